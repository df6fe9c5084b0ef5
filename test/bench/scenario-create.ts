/**
 * Scenario 1, create overhead: `POST /v1/tasks/video-scoring` through the BFF against a raw
 * undici forwarder (test/bench/raw-create.ts), both calling the same simulator.
 */
import { median, progress, sleep, type Child } from './common.ts'
import { DRAIN_MS, P, ROUNDS, VIDEO_BODY, keyOf } from './options.ts'
import { fmt, ms, rounds, table, us } from './report-format.ts'
import { results, scenario, stamp, type BenchScenario } from './results.ts'
import { load, measured, orderOf, startBff, startRaw, type Kind, type LoadRun } from './servers.ts'

async function scenarioCreate (sim: Child & { url: string }): Promise<Record<Kind, LoadRun[]>> {
  const owners = Array.from({ length: P.create.owners }, (_, i) => `owner${i}`)
  const out: Record<Kind, LoadRun[]> = { bff: [], baseline: [] }
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
    for (const kind of orderOf(round)) {
      // A fresh process (and database) per run, so earlier runs' tasks do not pile up in the active count.
      const server = kind === 'bff' ? await startBff(sim.url, owners, 'create') : await startRaw('raw-create.ts', { SIM_URL: sim.url })
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
    const m = (k: Kind, f: (r: LoadRun) => number): number => median(c[k].map(f))
    out.push(table([
      { metric: 'Throughput (req/s)', bff: m('bff', (r) => r.rps), base: m('baseline', (r) => r.rps), unit: (v) => fmt(v), goal: { op: '>=', value: 0.5 } },
      { metric: 'Latency p50', bff: m('bff', (r) => r.p50), base: m('baseline', (r) => r.p50), unit: ms },
      { metric: 'Latency p99', bff: m('bff', (r) => r.p99), base: m('baseline', (r) => r.p99), unit: ms, goal: { op: '<=', value: 2 } },
      { metric: 'Server CPU per request', bff: m('bff', (r) => r.cpuUs), base: m('baseline', (r) => r.cpuUs), unit: us }
    ]))
    out.push('', `Rounds — BFF req/s: ${rounds(c.bff.map((r) => r.rps), (v) => fmt(v))}; baseline: ${rounds(c.baseline.map((r) => r.rps), (v) => fmt(v))}. ` +
      `Failed requests: BFF ${c.bff.reduce((n, r) => n + r.bad, 0)}, baseline ${c.baseline.reduce((n, r) => n + r.bad, 0)}.`)
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
