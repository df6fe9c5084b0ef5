/**
 * Scenario 5, distributed (Redis) mode: scenarios 2 and 3 again on two BFF instances sharing one
 * Redis, beside the embedded figures of the same run. `redis-fanout` runs only the fan-out.
 */
import { cpus } from 'node:os'
import { loadAverage, median, progress } from './common.ts'
import { fanoutRows, fanoutRounds, perStream } from './fanout-report.ts'
import { ONLY, P, REDIS_PREFIX, REDIS_ROUNDS, REDIS_URL } from './options.ts'
import { deleteRedisKeys, redisInfo } from './redis-admin.ts'
import { fmt, goalSummary, kib, table, type Row } from './report-format.ts'
import { loads, results, stamp, type BenchScenario } from './results.ts'
import { scenarioFanout } from './scenario-fanout.ts'
import { ingestRounds, ingestRows, scenarioIngest } from './scenario-ingest.ts'

function redisSection (): string[] {
  const out: string[] = []
  out.push('## 5. Distributed (Redis) mode', '', stamp('redis'), '')
  out.push('Scenarios 2 and 3 again with `REDIS_URL` set: two BFF instances, A and B, sharing one Redis under a fresh `REDIS_PREFIX` per deployment (its keys deleted with SCAN + UNLINK when it stops), ' +
    'with `PUBLIC_URL` naming A on both, so the gateway\'s callbacks land on A. Tasks are created through B: A applies callbacks for tasks it never saw, and everything goes through Redis ' +
    '(the task hash, the compare-and-set script, the owner and task streams, PUBLISH, the rate-limit counters). The SSE streams are split evenly over A and B (alternately per kind of stream, ' +
    'so each instance holds half the task watchers and half of every owner\'s `/v1/events` streams); the callback goes to A, and the streams on both instances get the event through Redis pub/sub. ' +
    `${REDIS_ROUNDS} round${REDIS_ROUNDS === 1 ? '' : 's'} per measurement, alternating with the same raw baselines as scenarios 2 and 3 (run again in these rounds: one process, SQLite insert / in-memory broadcast), otherwise the same parameters. ` +
    'Goals are those of scenarios 2 and 3. Beside them, the embedded figures (SQLite, one instance) from scenarios 2–4 of this run, with their own ratio against their own baseline rounds in parentheses, ' +
    'and "Redis / embedded", the two BFF figures compared directly.', '')
  const r = results.redis
  if (!r) out.push('Not run.', '')
  else if ('error' in r) out.push(`**Not run:** ${r.error}`, '')
  else {
    out.push(`Redis: as under "Machine and command"; it shares the ${cpus().length} CPUs with everything else. ` +
      (r.aof ? '' : 'Its persistence is off, so these figures leave out the append-only-file writes that the README asks for in production (`appendonly yes`). ') +
      '"Callback answered after" means less here than elsewhere: the embedded BFF and the baseline write the event to every local stream before they answer, ' +
      'whereas in Redis mode A answers once the event is published to Redis, and both instances write to their streams when Redis delivers it back (time to last subscriber includes that).', '')
    const tableOpts = { bffHeader: 'BFF, Redis, 2 instances', embeddedHeader: 'Embedded, 1 instance (same run)' }
    out.push('### Callback ingest (every callback to A)', '')
    const ri = results.redisIngest
    if (!ri) out.push('Not run.')
    else if ('error' in ri) out.push(`**Failed:** ${ri.error}`)
    else {
      const emb = results.ingest && !('error' in results.ingest) ? ingestRows(results.ingest) : []
      const rows = ingestRows(ri).map((row, i) => ({ ...row, ...(emb[i] ? { embedded: { bff: emb[i].bff, base: emb[i].base } } : {}) }))
      out.push(table(rows, tableOpts), '', goalSummary(rows), '', ingestRounds(ri))
    }
    out.push('')
    for (const n of P.fanout.sizes) {
      out.push(`### Fan-out, ${fmt(n)} streams (half on A, half on B; callback to A)`, '')
      const f = results.redisFanout[n]
      if (!f) { out.push('Not run.', ''); continue }
      if ('error' in f) { out.push(`**Failed:** ${f.error}`, ''); continue }
      const e = results.fanout[n]
      const embedded = e && !('error' in e) ? e : undefined
      const emb = embedded ? fanoutRows(embedded, n) : []
      const memory: Row = {
        metric: 'RSS per idle stream (A + B)',
        bff: perStream(f, n, 'bff', 'rss'),
        base: perStream(f, n, 'baseline', 'rss'),
        unit: kib,
        ...(embedded ? { embedded: { bff: perStream(embedded, n, 'bff', 'rss'), base: perStream(embedded, n, 'baseline', 'rss') } } : {})
      }
      const rows = [...fanoutRows(f, n).map((row, i) => ({ ...row, ...(emb[i] ? { embedded: { bff: emb[i].bff, base: emb[i].base } } : {}) })), memory]
      out.push(table(rows, tableOpts), '', goalSummary(rows), '', fanoutRounds(f, n) +
        ` Idle RSS of A + B: ${fmt(median(f.bff.map((x) => x.rssIdle)) / 2 ** 20, 1)} MiB.`, '')
    }
  }
  return out
}

export const redisScenario: BenchScenario = {
  names: ['redis', 'redis-fanout'],
  sections: ['5. Distributed (Redis) mode'],
  async run (sim) {
    progress(`scenario 5: Redis mode (${REDIS_URL}, key prefix ${REDIS_PREFIX}-*), ${REDIS_ROUNDS} round(s)`)
    try {
      results.redis = await redisInfo()
    } catch (err) {
      progress(`no Redis at ${REDIS_URL}: ${String(err)}`)
      results.redis = { error: `no Redis at ${REDIS_URL} (${err instanceof Error ? err.message : String(err)}); set BENCH_REDIS_URL` }
    }
    if (!('info' in results.redis)) return
    loads.set('redis', { before: loadAverage() })
    try {
      if (ONLY.includes('redis')) try { results.redisIngest = await scenarioIngest(sim, 'redis', REDIS_ROUNDS) } catch (err) { progress(`ingest (redis) failed: ${String(err)}`); results.redisIngest = { error: String(err) } }
      await scenarioFanout(sim, 'redis', REDIS_ROUNDS, results.redisFanout)
      loads.get('redis')!.after = loadAverage()
    } finally {
      // Each pair deletes its keys when it stops; this sweeps whatever a failure left behind.
      const left = await deleteRedisKeys([`{${REDIS_PREFIX}-*`, `${REDIS_PREFIX}-*`])
      if (left > 0) progress(`deleted ${left} leftover Redis keys of ${REDIS_PREFIX}-*`)
    }
  },
  report: redisSection
}
