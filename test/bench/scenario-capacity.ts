/**
 * Scenario 10, stream capacity (measured by test/bench/stream-capacity.ts): the cap on open
 * streams derived from the open-file limit, 503 with Retry-After past it, and the probes at it.
 */
import { progress, spawnChild, type Child } from './common.ts'
import { P } from './options.ts'
import { fmt, ms, verdict } from './report-format.ts'
import { results, scenario, stamp, type BenchScenario } from './results.ts'
import { startBff } from './servers.ts'
import { measureCapacity, type CapacityResult } from './stream-capacity.ts'

async function run (sim: Child & { url: string }): Promise<CapacityResult> {
  const clients: Child[] = []
  try {
    for (let i = 0; i < P.capacity.clientProcesses; i++) clients.push(await spawnChild(`sse-client-${i}`, 'sse-clients.ts'))
    const fd = P.capacity.fdLimit
    return await measureCapacity({ clients, startBff: (owners, env) => startBff(sim.url, owners, 'capacity', { env, ...(fd === undefined ? {} : { fdLimit: fd }) }) })
  } finally {
    await Promise.all(clients.map((c) => c.stop()))
  }
}

function capacitySection (): string[] {
  const out = ['## 10. Stream capacity', '', stamp('capacity'), '']
  out.push('One BFF started with the open-file limit as the benchmark gives every process (the hard limit) and `CONNECTIONS_MAX` out of the way, so its caps come from the limit alone ' +
    '(`src/security/capacity.ts`: connections = limit − 128 descriptors kept for the store, Redis, the gateway pool and logs; streams = connections − 64 kept for probes and API calls). ' +
    `${P.capacity.clientProcesses} client processes (\`test/bench/sse-clients.ts\`) open \`GET /v1/events\` streams over 10 owners up to the cap and ${P.capacity.extra} past it; then one more stream request is read in full, ` +
    `and \`/healthz\`, \`/readyz\` and \`/metrics\` (with \`METRICS_TOKEN\`) are each requested ${P.capacity.probes} times, every request on a new connection as a load balancer's probe would be, ` +
    'once before any stream is open and once at the cap. Before the cap (issue #18): 19,971 idle streams at the 20,000 hard limit, and `/healthz` failed with `EMFILE`.', '')
  const c = results.capacity
  if (!c) return [...out, 'Not run.', '']
  if ('error' in c) return [...out, `**Failed:** ${c.error}`, '']
  const refused = c.statuses['503'] ?? 0
  const refusedOk = c.refusal.status === 503 && c.refusal.retryAfter !== undefined && c.refusal.code === 'BFF_ERR_STREAMS_FULL'
  out.push('| Metric | Figure | Goal | Verdict |', '|---|---:|---|---|')
  out.push(`| Open-file limit of the BFF process | ${fmt(c.fdLimit)} | (informational) | — |`)
  out.push(`| Stream cap derived from it | ${fmt(c.cap)} | below the limit, with headroom | ${verdict(c.cap < c.fdLimit)} |`)
  out.push(`| Streams open when the 503s began | ${fmt(c.opened)} | = the cap | ${verdict(c.opened === c.cap)} |`)
  out.push(`| Stream requests past the cap answered 503 | ${fmt(refused)} of ${fmt(P.capacity.extra)} | all | ${verdict(refused === P.capacity.extra)} |`)
  out.push(`| One more stream request at the cap | ${c.refusal.status}, \`Retry-After: ${c.refusal.retryAfter ?? 'none'}\`, \`${c.refusal.code ?? '?'}\` | 503 with Retry-After | ${verdict(refusedOk)} |`)
  for (const [i, p] of c.atCap.entries()) {
    const idle = c.idle[i]
    out.push(`| \`${p.path}\` at the cap: answered, p50 / p99 / max | ${p.ok} of ${p.ok + p.failed}, ${ms(p.p50)} / ${ms(p.p99)} / ${ms(p.max)} | every probe answered | ${verdict(p.failed === 0)} |`)
    if (idle) out.push(`| … with no stream open, p50 / p99 | ${ms(idle.p50)} / ${ms(idle.p99)} | (informational) | — |`)
  }
  out.push(`| Server RSS with no stream / at the cap | ${fmt(c.rssIdle / 2 ** 20, 1)} / ${fmt(c.rssAtCap / 2 ** 20, 1)} MiB | (informational) | — |`)
  out.push('', `HTTP statuses of the streams opened: ${Object.entries(c.statuses).map(([k, v]) => `${k === '-1' || k === '0' ? 'connection failed' : k}: ${fmt(v)}`).join(', ')}.`, '')
  return out
}

export const capacityScenario: BenchScenario = {
  names: ['capacity'],
  sections: ['10. Stream capacity'],
  async run (sim) {
    progress('scenario 10: stream capacity')
    try {
      const c = results.capacity = await scenario('capacity', () => run(sim))
      progress(`capacity: fd limit ${c.fdLimit}, cap ${c.cap}, ${c.opened} open, ${c.statuses['503'] ?? 0} refused, one more: ${c.refusal.status} Retry-After ${c.refusal.retryAfter ?? 'none'}; ` +
        c.atCap.map((p) => `${p.path} ${p.ok}/${p.ok + p.failed} p99 ${p.p99.toFixed(1)} ms`).join(', '))
    } catch (err) { progress(`capacity failed: ${String(err)}`); results.capacity = { error: String(err) } }
  },
  report: capacitySection
}
