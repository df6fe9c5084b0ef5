/**
 * Upstream calls per watched task per minute (issue 16): N running ToMoviee tasks against the
 * simulator (no progress callbacks), each watched by two streams, plus N unwatched ones, for
 * `--sec` seconds at the default PROGRESS_POLL_MS (5 s); counts the simulator's result reads per task.
 * `npx tsx test/bench/progress-calls.ts [--tasks=5] [--sec=60]`.
 */
import { ALICE, bearer, createTask, eventually, startStack } from '../helper.ts'
import { openSse } from '../sse-client.ts'

const arg = (name: string, dflt: number): number => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt)
const tasks = arg('tasks', 5)
const sec = arg('sec', 60)

const stack = await startStack({ sim: { processMs: (sec + 60) * 1000, progressSteps: 100, queueMs: 10 }, env: { RECONCILE_ENABLED: 'false', PROGRESS_POLL_MS: '5000' } })
const upstreamOf = async (id: string): Promise<string> => await eventually(() => {
  for (const t of stack.sim.simulator.tasks.values()) if (t.body.params === id) return t.id
  return ''
}, (u) => u !== '', 20_000)
const watched = await Promise.all(Array.from({ length: tasks }, async () => await upstreamOf((await createTask(stack, { prompt: 'watched' })).id)))
const unwatched = await Promise.all(Array.from({ length: tasks }, async () => await upstreamOf((await createTask(stack, { prompt: 'unwatched' })).id)))
const streams = await Promise.all([...stack.sim.simulator.tasks.values()].filter((t) => watched.includes(t.id))
  .flatMap((t) => [0, 1].map(async () => await openSse(`${stack.url}/v1/tasks/${String(t.body.params)}/events`, bearer(ALICE)))))
await new Promise((resolve) => setTimeout(resolve, sec * 1000))
const reads = (ids: string[]): number[] => ids.map((id) => stack.sim.simulator.counts.resultsByTask.get(id) ?? 0)
const perMin = (n: number): string => (n * 60 / sec).toFixed(1)
console.log(`PROGRESS_POLL_MS=${stack.config.progressPoll.intervalMs}, ${tasks} watched tasks (2 streams each), ${tasks} unwatched, ${sec} s`)
console.log(`watched: reads per task ${reads(watched).join(', ')} -> ${reads(watched).map(perMin).join(', ')} per minute`)
console.log(`unwatched: reads per task ${reads(unwatched).join(', ')}`)
for (const s of streams) s.close()
await stack.close()
