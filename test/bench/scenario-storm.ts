/**
 * Scenario 9, the reconnect storm (measured by test/bench/reconnect-storm.ts): N clients resuming
 * `/v1/events` with Last-Event-ID at once after a restart, against a raw server accepting N streams.
 */
import { ConfigSchema } from '../../src/config-schema.ts'
import { freePort } from '../helper.ts'
import { median, progress, spawnChild, type Child } from './common.ts'
import { P, STORM_ROUNDS } from './options.ts'
import { bffStormRound, rawStormRound, somaxconn, type StormDeps, type StormRound } from './reconnect-storm.ts'
import { fmt, ms, rounds, table, verdict } from './report-format.ts'
import { results, scenario, stamp, type BenchScenario } from './results.ts'
import { orderOf, startBff, startRaw, type Kind } from './servers.ts'

export interface StormResult { clients: number, backlog: number, rounds: Record<Kind, StormRound[]> }

/** What the BFF listens with when LISTEN_BACKLOG is not set; the baseline gets the same. */
const DEFAULT_BACKLOG = ConfigSchema.shape.LISTEN_BACKLOG.parse(undefined)

async function measureStorm (sim: Child & { url: string }): Promise<StormResult> {
  const n = P.storm.clients
  const clients: Child[] = []
  try {
    for (let i = 0; i < P.storm.clientProcesses; i++) clients.push(await spawnChild(`storm-client-${i}`, 'storm-clients.ts'))
    const deps: StormDeps = {
      sim,
      clients,
      startBff: (owners, opts) => startBff(sim.url, owners, 'storm', opts),
      startRaw: (env) => startRaw('raw-broadcast.ts', env),
      freePort,
      backlog: DEFAULT_BACKLOG
    }
    const out: Record<Kind, StormRound[]> = { bff: [], baseline: [] }
    for (let round = 1; round <= STORM_ROUNDS; round++) {
      for (const kind of orderOf(round)) {
        const r = kind === 'bff' ? await bffStormRound(deps, n) : await rawStormRound(deps, n)
        out[kind].push(r)
        progress(`storm ${fmt(n)} round ${round}/${STORM_ROUNDS} ${kind}: all open after ${fmt(r.openLast)} ms` +
          (kind === 'bff' ? `, all caught up after ${fmt(r.caughtLast)} ms (p50 ${fmt(r.caughtP50)}, p99 ${fmt(r.caughtP99)})` : ` (p50 ${fmt(r.openP50)}, p99 ${fmt(r.openP99)})`) +
          `, ${r.retries} retries, backlog ${r.backlog ?? '?'}` +
          (r.check ? `; ${fmt(r.check.received)} events after the resumes, ${r.check.lost} lost, ${r.check.repeated} repeated, ${r.check.unexpected} unexpected, ${r.check.resets} resets` : ''))
      }
    }
    return { clients: n, backlog: DEFAULT_BACKLOG, rounds: out }
  } finally {
    await Promise.all(clients.map((c) => c.stop()))
  }
}

function stormSection (): string[] {
  const out = ['## 9. Reconnect storm', '', stamp('storm'), '']
  out.push(`N clients (default 10,000; \`--storm-clients=N\`) in ${P.storm.clientProcesses} client processes (\`test/bench/storm-clients.ts\`: raw \`node:net\` sockets that parse each frame's id and progress) ` +
    `follow \`GET /v1/events\`, spread over ${P.storm.owners} owners with one task each. The BFF is stopped (SIGTERM: its streams end with a \`shutdown\` event) and started again on the same port and SQLite file; ` +
    `${P.storm.missed} callbacks per task land before the clients come back, then every client reconnects at once with \`Last-Event-ID\` (the last id it got) while callbacks keep arriving ` +
    `(one every ${P.storm.liveIntervalMs} ms, round-robin over the tasks). A client has caught up when it has the last of the events it missed; times run from the release to the last client. ` +
    'Baseline (`test/bench/raw-broadcast.ts`): a `node:http` SSE server with the same listen backlog, the same N clients opening their streams at once; time to the last `200`. ' +
    'Afterwards one more callback per task, which every stream must receive, and each stream\'s events since its resume are compared with its owner\'s log in the SQLite file. ' +
    `A refused connection retries after 100 ms (counted). ${STORM_ROUNDS} round${STORM_ROUNDS === 1 ? '' : 's'}, BFF and baseline alternating, a fresh server per round.`, '')
  const s = results.storm
  if (!s) return [...out, 'Not run.', '']
  if ('error' in s) return [...out, `**Failed:** ${s.error}`, '']
  const { bff, baseline } = s.rounds
  const m = (xs: StormRound[], f: (r: StormRound) => number): number => median(xs.map(f))
  out.push(`### ${fmt(s.clients)} clients`, '')
  out.push(table([
    { metric: 'Every client caught up (BFF) / every stream open (baseline)', bff: m(bff, (r) => r.caughtLast), base: m(baseline, (r) => r.openLast), unit: ms, goal: { op: '<=', value: 2 } },
    { metric: 'Caught up / open, p50 over the clients', bff: m(bff, (r) => r.caughtP50), base: m(baseline, (r) => r.openP50), unit: ms },
    { metric: 'Caught up / open, p99 over the clients', bff: m(bff, (r) => r.caughtP99), base: m(baseline, (r) => r.openP99), unit: ms },
    { metric: 'Every stream open (`200`)', bff: m(bff, (r) => r.openLast), base: m(baseline, (r) => r.openLast), unit: ms }
  ]))
  const sum = (k: keyof NonNullable<StormRound['check']>): number => bff.reduce((n, r) => n + (r.check?.[k] ?? 0), 0)
  const clean = sum('lost') + sum('repeated') + sum('unexpected') + sum('resets') === 0
  out.push('', `Nothing lost or repeated: ${verdict(clean)}. Over the ${bff.length} BFF round${bff.length === 1 ? '' : 's'}, ${fmt(sum('received'))} events reached the streams after their resumes; ` +
    `${fmt(sum('lost'))} of the owners' logged events were missing, ${fmt(sum('repeated'))} came twice, ${fmt(sum('unexpected'))} were not in the owner's log, ${fmt(sum('resets'))} streams got a reset instead of the replay ` +
    `(${fmt(sum('wrong'))} streams with any of these).`, '')
  out.push(`Callbacks while the clients came back: ${rounds(bff.map((r) => r.live?.sent ?? Number.NaN), (v) => fmt(v))} per round, ack p99 ${rounds(bff.map((r) => r.live?.ackP99 ?? Number.NaN), ms)}. ` +
    `Connection retries: BFF ${rounds(bff.map((r) => r.retries), (v) => fmt(v))}; baseline ${rounds(baseline.map((r) => r.retries), (v) => fmt(v))}. ` +
    `Listen backlog (the listening socket's queue as \`ss\` shows it): BFF ${rounds(bff.map((r) => r.backlog ?? Number.NaN), (v) => fmt(v))} (\`LISTEN_BACKLOG\`, default ${fmt(s.backlog)}), ` +
    `baseline ${rounds(baseline.map((r) => r.backlog ?? Number.NaN), (v) => fmt(v))}; \`net.core.somaxconn\` ${fmt(somaxconn() ?? Number.NaN)}.`, '')
  out.push(`Rounds — BFF all caught up: ${rounds(bff.map((r) => r.caughtLast), ms)}; baseline all open: ${rounds(baseline.map((r) => r.openLast), ms)}.`, '')
  return out
}

export const stormScenario: BenchScenario = {
  names: ['storm'],
  sections: ['9. Reconnect storm'],
  async run (sim) {
    progress(`scenario 9: reconnect storm, ${fmt(P.storm.clients)} clients over ${P.storm.owners} owners, ${STORM_ROUNDS} round(s)`)
    try { results.storm = await scenario('storm', () => measureStorm(sim)) } catch (err) { progress(`storm failed: ${String(err)}`); results.storm = { error: String(err) } }
  },
  report: stormSection
}
