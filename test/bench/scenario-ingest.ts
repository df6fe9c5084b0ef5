/**
 * Scenario 2, callback ingest: gateway callbacks accepted durably by the BFF (one instance, or
 * the instance PUBLIC_URL names in a Redis pair) against a raw JSON parse + SQLite insert
 * (test/bench/raw-ingest.ts). Every callback is a real state change, checked at the end.
 */
import { join } from 'node:path'
import { median, progress, sleep, type Child } from './common.ts'
import { DRAIN_MS, P, ROUNDS, VIDEO_BODY, freshDir, keyOf } from './options.ts'
import { fmt, ms, rounds, table, us, type Row } from './report-format.ts'
import { results, scenario, stamp, type BenchScenario } from './results.ts'
import { load, measured, orderOf, post, startDeployment, startRaw, type Kind, type LoadRun, type Mode } from './servers.ts'

async function createTasks (bffUrl: string, owner: string, count: number): Promise<string[]> {
  const ids: string[] = []
  let next = 0
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < count) {
      next++
      const res = await post(`${bffUrl}/v1/tasks/video-scoring`, VIDEO_BODY, { authorization: `Bearer ${keyOf(owner)}` })
      if (res.status !== 202) throw new Error(`create answered ${res.status}: ${JSON.stringify(res.json)}`)
      ids.push((res.json as { id: string }).id)
    }
  }))
  return ids
}

export type IngestResult = Record<Kind, LoadRun[]> & { verified: string }

export async function scenarioIngest (sim: Child & { url: string }, mode: Mode, rounds: number): Promise<IngestResult> {
  const owner = 'ingest'
  const name = mode === 'redis' ? 'ingest (redis)' : 'ingest'
  const dep = await startDeployment(mode, sim.url, [owner], 'ingest')
  const bff = dep.callbackTarget
  let raw: (Child & { url: string }) | undefined
  try {
    raw = await startRaw('raw-ingest.ts', { DATABASE_PATH: join(freshDir(), 'raw.sqlite') })
    progress(`${name}: creating ${P.ingest.tasks} tasks through the BFF${dep.instances.length > 1 ? ' (instance B; callbacks go to A)' : ''}`)
    const ids = new Set(await createTasks(dep.createUrl, owner, P.ingest.tasks))
    const all = await sim.call<{ upstreamTaskId: string, taskId: string, callback: string }[]>('callbacks')
    const targets = all.filter((t) => ids.has(t.taskId)).map((t) => {
      const u = new URL(t.callback)
      return { path: `${u.pathname}${u.search}`, upstreamTaskId: t.upstreamTaskId, taskId: t.taskId }
    })
    if (targets.length !== P.ingest.tasks) throw new Error(`found ${targets.length} callback URLs for ${P.ingest.tasks} tasks`)
    const T = targets.length
    // Callback i goes to task i mod T with progress ⌊i / T⌋ + 1: every callback moves its task
    // forward, and callbacks of one task are T requests apart, so they never overtake each other.
    const sent: Record<Kind, number> = { bff: 0, baseline: 0 }
    const fire = (kind: Kind, url: string, sec: number): Promise<LoadRun> => load({
      url,
      connections: P.ingest.connections,
      duration: sec,
      timeout: 10,
      requests: [{
        method: 'POST',
        setupRequest: (req) => {
          const i = sent[kind]++
          const t = targets[i % T]!
          // Progress 1..99; the (faster) baseline wraps around, which changes nothing for it. The
          // BFF must never wrap (its callbacks would become stale duplicates): checked below.
          const p = (Math.floor(i / T) % 99) + 1
          return {
            ...req,
            path: t.path,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ task_id: t.upstreamTaskId, status: 2, progress: p, params: t.taskId })
          }
        }
      }]
      // CPU of every BFF instance: in Redis mode A applies the callbacks and B still hears of each event.
    }, kind === 'bff' ? dep.instances : [raw!])
    const out: Record<Kind, LoadRun[]> = { bff: [], baseline: [] }
    const servers: Record<Kind, Child & { url: string }> = { bff, baseline: raw }
    for (const kind of ['bff', 'baseline'] as const) await fire(kind, servers[kind].url, P.ingest.warmupSec)
    for (let round = 1; round <= rounds; round++) {
      for (const kind of orderOf(round)) {
        const run = await measured(servers[kind], 'ingest', () => fire(kind, servers[kind].url, P.ingest.durationSec))
        out[kind].push(run)
        progress(`${name} round ${round}/${rounds} ${kind}: ${run.rps.toFixed(0)} callbacks/s, ${run.cpuUs.toFixed(0)} µs CPU/req, p50 ${run.p50.toFixed(2)} ms, p99 ${run.p99.toFixed(2)} ms${run.bad ? `, ${run.bad} failed` : ''}`)
      }
    }
    // Every callback was a state change: none wrapped, and the first task's progress is the last one it was sent.
    await sleep(DRAIN_MS)
    if (sent.bff > 99 * T) throw new Error(`the BFF took ${sent.bff} callbacks, more than the ${99 * T} distinct state changes of ${T} tasks; raise P.ingest.tasks`)
    const first = targets[0]!
    const expected = Math.floor((sent.bff - 1) / T) + 1
    // Read back through the instance that created the tasks (in Redis mode not the one that took the callbacks).
    const res = await fetch(`${dep.createUrl}/v1/tasks/${first.taskId}`, { headers: { authorization: `Bearer ${keyOf(owner)}` } })
    const task = await res.json() as { status: string, progress: number }
    const verified = `${sent.bff} callbacks sent to the BFF${dep.instances.length > 1 ? ' (instance A)' : ''} over ${T} tasks (status 2, progress rising to ${expected}); ` +
      `task 1 ended at ${task.status}/${task.progress}${dep.instances.length > 1 ? ' as instance B reads it' : ''}`
    if (task.status !== 'processing' || Math.abs(task.progress - expected) > 1) throw new Error(`callbacks were not all applied: ${verified}`)
    return { ...out, verified }
  } finally {
    await Promise.all([dep.stop(), raw?.stop()])
  }
}

export function ingestRows (g: IngestResult): Row[] {
  const m = (k: Kind, f: (r: LoadRun) => number): number => median(g[k].map(f))
  return [
    { metric: 'Callbacks accepted per second', bff: m('bff', (r) => r.rps), base: m('baseline', (r) => r.rps), unit: (v) => fmt(v), goal: { op: '>=', value: 0.6 } },
    { metric: 'Ack latency p50', bff: m('bff', (r) => r.p50), base: m('baseline', (r) => r.p50), unit: ms },
    { metric: 'Ack latency p99', bff: m('bff', (r) => r.p99), base: m('baseline', (r) => r.p99), unit: ms },
    { metric: 'Server CPU per callback', bff: m('bff', (r) => r.cpuUs), base: m('baseline', (r) => r.cpuUs), unit: us }
  ]
}

export function ingestRounds (g: IngestResult): string {
  return `Rounds — BFF callbacks/s: ${rounds(g.bff.map((r) => r.rps), (v) => fmt(v))}; baseline: ${rounds(g.baseline.map((r) => r.rps), (v) => fmt(v))}. ` +
    `Failed requests: BFF ${g.bff.reduce((n, r) => n + r.bad, 0)}, baseline ${g.baseline.reduce((n, r) => n + r.bad, 0)}. Check: ${g.verified}.`
}

function ingestSection (): string[] {
  const out: string[] = []
  out.push('## 2. Callback ingest', '', stamp('ingest'), '')
  out.push(`\`POST /webhooks/tomoviee?task=…&token=…\` with autocannon, ${P.ingest.connections} connections, ${P.ingest.durationSec} s per round after a ${P.ingest.warmupSec} s warm-up. ` +
    `${P.ingest.tasks} tasks are created through the BFF beforehand; their callback URLs (with the per-task tokens) are read from the simulator's \`simulator.tasks\`. ` +
    'Every callback is status 2 with a higher progress than the task\'s last one, so each is a real state change (token check, validation, compare-and-set update and event in one SQLite transaction, publish), never a duplicate. ' +
    'Baseline (`test/bench/raw-ingest.ts`): `node:http`, JSON parse, one INSERT into SQLite (better-sqlite3, WAL, `synchronous=NORMAL`, `busy_timeout=5000`, as `src/store/sqlite.ts`), ack.', '')
  const g = results.ingest
  if (!g) out.push('Not run.')
  else if ('error' in g) out.push(`**Failed:** ${g.error}`)
  else {
    out.push(table(ingestRows(g)))
    out.push('', ingestRounds(g))
  }
  out.push('')
  return out
}

export const ingestScenario: BenchScenario = {
  names: ['ingest'],
  sections: ['2. Callback ingest'],
  async run (sim) {
    progress('scenario 2: callback ingest')
    try { results.ingest = await scenario('ingest', () => scenarioIngest(sim, 'embedded', ROUNDS)) } catch (err) { progress(`ingest failed: ${String(err)}`); results.ingest = { error: String(err) } }
  },
  report: ingestSection
}
