/**
 * Scenario 1, create overhead: `POST /v1/tasks/video-scoring` through the BFF against a raw
 * undici forwarder (test/bench/raw-create.ts), both calling the same simulator; beside them, in the
 * same rounds, the floor (test/bench/floor-create.ts): bare Fastify with the store's writes, and
 * without them.
 */
import { median, progress, sleep, type Child } from './common.ts'
import { DRAIN_MS, P, ROUNDS, VIDEO_BODY, keyOf } from './options.ts'
import { fmt, ms, rounds, table, us } from './report-format.ts'
import { results, scenario, stamp, type BenchScenario } from './results.ts'
import { load, measured, orderOf, startBff, startRaw, type Kind, type LoadRun } from './servers.ts'

type Server = Kind | 'floor' | 'floorBare'
export type CreateRuns = Record<Server, LoadRun[]>

async function start (kind: Server, sim: Child & { url: string }, owners: string[]): Promise<Child & { url: string }> {
  if (kind === 'bff') return await startBff(sim.url, owners, 'create')
  if (kind === 'baseline') return await startRaw('raw-create.ts', { SIM_URL: sim.url })
  return await startRaw('floor-create.ts', { SIM_URL: sim.url, FLOOR_WRITES: kind === 'floor' ? 'store' : 'none' })
}

async function scenarioCreate (sim: Child & { url: string }): Promise<CreateRuns> {
  const owners = Array.from({ length: P.create.owners }, (_, i) => `owner${i}`)
  const out: CreateRuns = { bff: [], baseline: [], floor: [], floorBare: [] }
  const fire = async (server: Child & { url: string }, sec: number): Promise<LoadRun> => {
    const url = server.url
    let client = 0
    return load({
      url: `${url}/v1/tasks/video-scoring`,
      method: 'POST',
      connections: P.create.connections,
      duration: sec,
      timeout: 10,
      body: VIDEO_BODY,
      headers: { 'content-type': 'application/json' },
      // Each connection is one client of one owner (owners spread evenly over the connections).
      setupClient: (c) => c.setHeaders({ 'content-type': 'application/json', authorization: `Bearer ${keyOf(owners[client++ % owners.length]!)}` })
    }, [server])
  }
  for (let round = 1; round <= ROUNDS; round++) {
    const kinds: Server[] = [...orderOf(round), 'floor', 'floorBare']
    for (const kind of round % 2 === 1 ? kinds : kinds.reverse()) {
      // A fresh process (and database) per run, so earlier runs' tasks do not pile up in the active count.
      const server = await start(kind, sim, owners)
      try {
        await fire(server, P.create.warmupSec)
        const run = await measured(server, 'create', () => fire(server, P.create.durationSec))
        // autocannon drops its connections at the end; let the requests still in flight finish.
        await sleep(DRAIN_MS)
        out[kind].push(run)
        progress(`create round ${round}/${ROUNDS} ${kind}: ${run.rps.toFixed(0)} req/s, ${run.cpuUs.toFixed(0)} µs CPU/req, p50 ${run.p50.toFixed(2)} ms, p99 ${run.p99.toFixed(2)} ms${run.bad ? `, ${run.bad} failed` : ''}`)
      } finally {
        await server.stop()
      }
    }
  }
  return out
}

function createSection (): string[] {
  const out: string[] = []
  out.push('## 1. Create overhead', '', stamp('create'), '')
  out.push(`\`POST /v1/tasks/video-scoring\` with autocannon, ${P.create.connections} connections, ${P.create.warmupSec} s warm-up then ${P.create.durationSec} s measured per round, a fresh server process (and database) per run. ` +
    `BFF: API-key auth (${P.create.owners} owners, one per connection), rate-limit bookkeeping, zod validation, SQLite insert of task + event, the upstream create call to the simulator, the update with the upstream id. ` +
    'Baseline (`test/bench/raw-create.ts`): `node:http`, JSON parse, the same upstream call with undici (same body shape, headers and pool settings), 202. Both call the same simulator process (zero delays, no callbacks).', '')
  const c = results.create
  if (!c) out.push('Not run.')
  else if ('error' in c) out.push(`**Failed:** ${c.error}`)
  else {
    const m = (k: Server, f: (r: LoadRun) => number): number => median(c[k].map(f))
    out.push(table([
      { metric: 'Throughput (req/s)', bff: m('bff', (r) => r.rps), base: m('baseline', (r) => r.rps), unit: (v) => fmt(v), goal: { op: '>=', value: 0.5 } },
      { metric: 'Latency p50', bff: m('bff', (r) => r.p50), base: m('baseline', (r) => r.p50), unit: ms },
      { metric: 'Latency p99', bff: m('bff', (r) => r.p99), base: m('baseline', (r) => r.p99), unit: ms, goal: { op: '<=', value: 2 } },
      { metric: 'Server CPU per request', bff: m('bff', (r) => r.cpuUs), base: m('baseline', (r) => r.cpuUs), unit: us }
    ]))
    out.push('', `Rounds — BFF req/s: ${rounds(c.bff.map((r) => r.rps), (v) => fmt(v))}; baseline: ${rounds(c.baseline.map((r) => r.rps), (v) => fmt(v))}. ` +
      `Failed requests: BFF ${c.bff.reduce((n, r) => n + r.bad, 0)}, baseline ${c.baseline.reduce((n, r) => n + r.bad, 0)}.`)
    out.push('', '### The floor: bare Fastify with the same durable work', '',
      'In the same rounds (`test/bench/floor-create.ts`): a Fastify instance with no plugin, hook, logger, schema or security header parses the JSON, inserts the task and its first event through the BFF\'s own SQLite store (group commit, same schema and indexes, the BFF\'s time-ordered ids), makes the same upstream call as the baseline, binds the upstream id with the store\'s update and answers 202 with the task. ' +
      '"Without the writes" leaves both store writes out. What the BFF adds on top of these is its features: auth, rate limits, validation, idempotency, limits, metrics, logs, headers, the event bus.', '')
    const floorRows = (k: 'floor' | 'floorBare'): Parameters<typeof table>[0] => [
      { metric: 'Throughput (req/s)', bff: m(k, (r) => r.rps), base: m('baseline', (r) => r.rps), unit: (v) => fmt(v), goal: { op: '>=', value: 0.5 } },
      { metric: 'Latency p99', bff: m(k, (r) => r.p99), base: m('baseline', (r) => r.p99), unit: ms, goal: { op: '<=', value: 2 } },
      { metric: 'Server CPU per request', bff: m(k, (r) => r.cpuUs), base: m('baseline', (r) => r.cpuUs), unit: us }
    ]
    out.push(table(floorRows('floor'), { bffHeader: 'Floor: Fastify + store writes + upstream call', ratioHeader: 'Ratio (floor / baseline)' }), '')
    out.push(table(floorRows('floorBare'), { bffHeader: 'Floor without the writes: Fastify + upstream call', ratioHeader: 'Ratio (floor / baseline)' }), '')
    out.push(`Rounds — floor req/s: ${rounds(c.floor.map((r) => r.rps), (v) => fmt(v))}; without the writes: ${rounds(c.floorBare.map((r) => r.rps), (v) => fmt(v))}. ` +
      `Failed requests: floor ${c.floor.reduce((n, r) => n + r.bad, 0)}, without the writes ${c.floorBare.reduce((n, r) => n + r.bad, 0)}.`)
  }
  out.push('')
  return out
}

export const createScenario: BenchScenario = {
  names: ['create'],
  sections: ['1. Create overhead'],
  async run (sim) {
    progress('scenario 1: create overhead')
    try { results.create = await scenario('create', () => scenarioCreate(sim)) } catch (err) { progress(`create failed: ${String(err)}`); results.create = { error: String(err) } }
  },
  report: createSection
}
