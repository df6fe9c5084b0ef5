/** Scenario 6, replay while serving (measured by test/bench/replay-serving.ts) and its report section. */
import { progress } from './common.ts'
import { P, freshDb, keyOf } from './options.ts'
import { scenarioReplay } from './replay-serving.ts'
import { fmt, ms, verdict } from './report-format.ts'
import { results, scenario, stamp, type BenchScenario } from './results.ts'
import { startBff } from './servers.ts'

function replaySection (): string[] {
  const out = ['## 6. Replay while serving', '', stamp('replay'), '']
  out.push(`One client resumes \`GET /v1/events\` with \`Last-Event-ID: 0\` over ${fmt(P.replay.events)} events of one task (seeded straight through the SQLite store; \`SSE_REPLAY_HORIZON\` raised above that so the replay happens) and reads as fast as it can; ` +
    'meanwhile a second connection sends `GET /v1/tasks/:id` every 20 ms (`test/bench/replay-serving.ts`). Server RSS (VmRSS) sampled every 50 ms from outside; growth is the peak during the replay minus the value just before. ' +
    'Before the paged replay (issue #18): a 100,000-event replay took 2.7 s and held a `/healthz` sent 20 ms later for 2,518 ms; RSS went from 150 to 350 MiB.', '')
  const r = results.replay
  if (!r) return [...out, 'Not run.', '']
  if ('error' in r) return [...out, `**Failed:** ${r.error}`, '']
  const growth = (r.rssPeak - r.rssBefore) / 2 ** 20
  out.push('| Metric | Figure | Goal | Verdict |', '|---|---:|---|---|')
  out.push(`| \`GET /v1/tasks/:id\` during the replay, p99 | ${ms(r.probeP99)} | ≤ 50 ms | ${verdict(r.probeP99 <= 50)} |`)
  out.push(`| … its maximum | ${ms(r.probeMax)} | (informational) | — |`)
  out.push(`| … its median | ${ms(r.probeP50)} | (informational) | — |`)
  out.push(`| The same probe before the replay, p99 / median | ${ms(r.idleP99)} / ${ms(r.idleP50)} | (informational: the loaded machine's floor) | — |`)
  out.push(`| Server RSS growth during the replay | ${fmt(growth, 1)} MiB (from ${fmt(r.rssBefore / 2 ** 20, 1)} MiB) | < 50 MiB | ${verdict(growth < 50)} |`)
  out.push(`| Server CPU during the replay | ${fmt(r.cpuUs / 1e6, 2)} s (${fmt(r.cpuUs / r.events, 1)} µs per event) | (informational: before issue #18's stored-JSON replay, ~1.5 s) | — |`)
  out.push(`| Replay time | ${fmt(r.replaySec, 2)} s (${fmt(r.events / r.replaySec)} events/s, ${fmt(r.bytes / 2 ** 20, 1)} MiB) | (informational) | — |`)
  out.push('', `${fmt(r.probes)} probes during the replay; seeding took ${fmt(r.seedSec, 1)} s.`, '')
  return out
}

export const replayScenario: BenchScenario = {
  names: ['replay'],
  sections: ['6. Replay while serving'],
  async run (sim) {
    progress(`scenario 6: replay of ${fmt(P.replay.events)} events while serving`)
    try {
      results.replay = await scenario('replay', () => scenarioReplay({
        events: P.replay.events,
        dbPath: freshDb(),
        owner: 'replay',
        key: keyOf('replay'),
        startBff: (env) => startBff(sim.url, ['replay'], 'replay', { env })
      }))
      const r = results.replay
      progress(`replay: ${r.replaySec.toFixed(1)} s, probe p99 ${r.probeP99.toFixed(1)} ms (max ${r.probeMax.toFixed(1)}), RSS +${((r.rssPeak - r.rssBefore) / 2 ** 20).toFixed(1)} MiB`)
    } catch (err) { progress(`replay failed: ${String(err)}`); results.replay = { error: String(err) } }
  },
  report: replaySection
}
