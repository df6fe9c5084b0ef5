/**
 * Scenario 2, callback ingest: gateway callbacks accepted durably by the BFF (one instance, or
 * the instance PUBLIC_URL names in a Redis pair) against a raw JSON parse + SQLite insert
 * (test/bench/raw-ingest.ts). Every callback is a real state change, checked at the end. In the
 * embedded mode the floor (test/bench/floor-ingest.ts, bare Fastify with the store's write) runs in
 * the same rounds.
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

type Server = Kind | 'floor'
interface Target { path: string, upstreamTaskId: string, taskId: string }
export type IngestResult = Record<Kind, LoadRun[]> & { floor?: LoadRun[], verified: string }

export async function scenarioIngest (sim: Child & { url: string }, mode: Mode, rounds: number): Promise<IngestResult> {
  const owner = 'ingest'
  const name = mode === 'redis' ? 'ingest (redis)' : 'ingest'
  const dep = await startDeployment(mode, sim.url, [owner], 'ingest')
  const bff = dep.callbackTarget
  let raw: (Child & { url: string }) | undefined
  let floor: (Child & { url: string }) | undefined
  try {
    raw = await startRaw('raw-ingest.ts', { DATABASE_PATH: join(freshDir(), 'raw.sqlite') })
    if (mode === 'embedded') floor = await startRaw('floor-ingest.ts', { FLOOR_TASKS: String(P.ingest.tasks) })
    const floorTargets = floor ? await floor.call<Target[]>('targets') : []
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
    const sent: Record<Server, number> = { bff: 0, baseline: 0, floor: 0 }
    const fire = (kind: Server, url: string, sec: number): Promise<LoadRun> => load({
      url,
      connections: P.ingest.connections,
      duration: sec,
      timeout: 10,
      requests: [{
        method: 'POST',
        setupRequest: (req) => {
          const i = sent[kind]++
          const t = (kind === 'floor' ? floorTargets : targets)[i % T]!
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
    }, kind === 'bff' ? dep.instances : kind === 'floor' ? [floor!] : [raw!])
    const out: Record<Server, LoadRun[]> = { bff: [], baseline: [], floor: [] }
    const servers: Partial<Record<Server, Child & { url: string }>> = { bff, baseline: raw, ...(floor ? { floor } : {}) }
    const kinds = Object.keys(servers) as Server[]
    for (const kind of kinds) await fire(kind, servers[kind]!.url, P.ingest.warmupSec)
    for (let round = 1; round <= rounds; round++) {
      const order: Server[] = [...orderOf(round), ...(floor ? ['floor' as const] : [])]
      for (const kind of round % 2 === 1 ? order : order.reverse()) {
        const server = servers[kind]!
        const run = await measured(server, 'ingest', () => fire(kind, server.url, P.ingest.durationSec))
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
    return { bff: out.bff, baseline: out.baseline, ...(floor ? { floor: out.floor } : {}), verified }
  } finally {
    await Promise.all([dep.stop(), raw?.stop(), floor?.stop()])
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

function floorSection (g: IngestResult, floor: LoadRun[]): string[] {
  const m = (runs: LoadRun[], f: (r: LoadRun) => number): number => median(runs.map(f))
  return ['### The floor: bare Fastify with the same durable work', '',
    'In the same rounds (`test/bench/floor-ingest.ts`): a Fastify instance with no plugin, hook, logger, schema or security header, holding its own tasks in the BFF\'s SQLite store, parses the JSON, reads the task inside the write batch (`getForWrite`), compares the URL token in constant time, writes the update and its event through the store\'s group commit and acks. ' +
    'What the BFF adds on top is the state machine, the callback\'s validation and upstream-id check, publishing to the streams, the outbox, metrics, logs and headers.', '',
    table([
      { metric: 'Callbacks accepted per second', bff: m(floor, (r) => r.rps), base: m(g.baseline, (r) => r.rps), unit: (v) => fmt(v), goal: { op: '>=', value: 0.6 } },
      { metric: 'Ack latency p99', bff: m(floor, (r) => r.p99), base: m(g.baseline, (r) => r.p99), unit: ms },
      { metric: 'Server CPU per callback', bff: m(floor, (r) => r.cpuUs), base: m(g.baseline, (r) => r.cpuUs), unit: us }
    ], { bffHeader: 'Floor: Fastify + token check + store write', ratioHeader: 'Ratio (floor / baseline)' }), '',
    `Rounds — floor callbacks/s: ${rounds(floor.map((r) => r.rps), (v) => fmt(v))}. Failed requests: floor ${floor.reduce((n, r) => n + r.bad, 0)}.`]
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
    if (g.floor) out.push('', ...floorSection(g, g.floor))
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
