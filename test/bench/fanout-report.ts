/** The report of scenarios 3 and 4 (fan-out, memory per idle stream) and the rows scenario 5 reuses. */
import { median } from './common.ts'
import { P } from './options.ts'
import { fmt, kib, ms, rounds, table, type Row } from './report-format.ts'
import { results, stamp } from './results.ts'
import type { FanoutRound, FanoutRun } from './scenario-fanout.ts'
import type { Kind } from './servers.ts'

export function fanoutRows (f: Record<Kind, FanoutRound[]>, n: number): Row[] {
  const m = (k: Kind, fn: (r: FanoutRun) => number): number => median(f[k].map((round) => median(round.events.map(fn))))
  const goal = n >= 10_000 ? { op: '<=' as const, value: 1.5 } : undefined
  return [
    { metric: 'Time to last subscriber', bff: m('bff', (r) => r.ttl), base: m('baseline', (r) => r.ttl), unit: ms, ...(goal ? { goal } : {}) },
    { metric: 'Per-subscriber latency p50', bff: m('bff', (r) => r.p50), base: m('baseline', (r) => r.p50), unit: ms },
    { metric: 'Per-subscriber latency p99', bff: m('bff', (r) => r.p99), base: m('baseline', (r) => r.p99), unit: ms, ...(goal ? { goal } : {}) },
    { metric: 'Callback / publish answered after', bff: m('bff', (r) => r.ack), base: m('baseline', (r) => r.ack), unit: ms },
    { metric: 'Time to open all N streams', bff: median(f.bff.map((r) => r.openSec)) * 1000, base: median(f.baseline.map((r) => r.openSec)) * 1000, unit: ms }
  ]
}

export function fanoutRounds (f: Record<Kind, FanoutRound[]>, n: number): string {
  return `Receivers per event: ${fmt(f.bff[0]?.receivers ?? Number.NaN)} of ${fmt(n)}. Rounds — BFF time to last: ${rounds(f.bff.map((r) => median(r.events.map((e) => e.ttl))), ms)}; ` +
    `baseline: ${rounds(f.baseline.map((r) => median(r.events.map((e) => e.ttl))), ms)}.`
}

/** (with N open − idle) / N, median over the rounds. */
export function perStream (f: Record<Kind, FanoutRound[]>, n: number, k: Kind, field: 'rss' | 'heap'): number {
  return median(f[k].map((r) => field === 'rss' ? (r.rssOpen - r.rssIdle) / n : (r.heapOpen - r.heapIdle) / n))
}

export function fanoutSections (): string[] {
  const out: string[] = []
  out.push('## 3. Fan-out', '', stamp('fanout'), '')
  out.push(`N open SSE streams, held by ${P.fanout.clientProcesses} client processes (\`test/bench/sse-clients.ts\`: raw \`node:net\` sockets, a hand-written GET, a byte search for the event). ` +
    `Half of them watch one task (\`GET /v1/tasks/:id/events\`, owner o0); the other half follow \`GET /v1/events\`, spread round-robin over ${P.fanout.owners} owners (o0…o${P.fanout.owners - 1}). ` +
    'Then one callback (status 2, rising progress) for the task: it must reach every watcher and every o0 `/v1/events` stream (55% of N), and no other stream (checked). ' +
    `Per round: 1 warm-up event, then ${P.fanout.events} measured events; "time to last" is from sending the callback to the last receiver having the event, per-subscriber latencies are over all receivers; ` +
    'each round\'s value is the median over its events. Baseline (`test/bench/raw-broadcast.ts`): `node:http` SSE with the same N connections, the same receivers on one channel and the others on per-owner channels; ' +
    'one `POST /publish` with a task-sized JSON body that it parses and writes as one frame to every receiver. A fresh server process per round; clients are CLOCK_MONOTONIC-timestamped in their own processes.', '')
  for (const n of P.fanout.sizes) {
    const f = results.fanout[n]
    out.push(`### ${fmt(n)} streams`, '')
    if (!f) { out.push('Not run.', ''); continue }
    if ('error' in f) { out.push(`**Failed:** ${f.error}`, ''); continue }
    out.push(table(fanoutRows(f, n)))
    out.push('', fanoutRounds(f, n), '')
  }

  out.push('## 4. Memory per idle stream', '', stamp('fanout'), '')
  out.push('Server RSS read from outside (`/proc/<pid>/status` VmRSS) after three forced full GCs (`--expose-gc`) and a short pause, once idle (after a warm-up of 100 streams opened and closed) and once with N streams open: ' +
    '(RSS with N open − RSS idle) / N. Same rounds as the fan-out; the heap column is V8 heap used + external from `process.memoryUsage()`, for orientation.', '')
  const memRows: Row[] = []
  for (const n of P.fanout.sizes) {
    const f = results.fanout[n]
    if (!f || 'error' in f) continue
    memRows.push({ metric: `RSS per idle stream, ${fmt(n)} open`, bff: perStream(f, n, 'bff', 'rss'), base: perStream(f, n, 'baseline', 'rss'), unit: kib, ...(n >= 10_000 ? { goal: { op: '<=' as const, value: 1.5 } } : {}) })
    memRows.push({ metric: `JS heap per idle stream, ${fmt(n)} open`, bff: perStream(f, n, 'bff', 'heap'), base: perStream(f, n, 'baseline', 'heap'), unit: kib })
  }
  out.push(memRows.length ? table(memRows) : 'Not run.')
  const big = results.fanout[Math.max(...P.fanout.sizes)]
  if (big && !('error' in big)) {
    out.push('', `Idle RSS: BFF ${fmt(median(big.bff.map((r) => r.rssIdle)) / 2 ** 20, 1)} MiB, baseline ${fmt(median(big.baseline.map((r) => r.rssIdle)) / 2 ** 20, 1)} MiB.`)
  }
  out.push('')
  return out
}
