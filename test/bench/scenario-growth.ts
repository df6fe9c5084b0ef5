/** Scenario 8, store reads (SQLite and Redis) at 10k / 100k / 1M tasks (measured by test/bench/growth.ts). */
import { progress } from './common.ts'
import { FILTER_READS, growthRatios, growthSetup, measureGrowth } from './growth.ts'
import { P } from './options.ts'
import { fmt, ms, verdict } from './report-format.ts'
import { results, scenario, stamp, type BenchScenario } from './results.ts'

function growthSection (): string[] {
  const out = ['## 8. Reads as data grows', '', stamp('growth'), '']
  out.push(growthSetup(P.growth.sizes, P.growth.redisMax, P.growth.reads), '')
  const g = results.growth
  if (!g) return [...out, 'Not run.', '']
  if ('error' in g) return [...out, `**Failed:** ${g.error}`, '']
  out.push('| Layout | Read | p50 smallest / largest | p99 smallest / largest | p99 ratio | Goal | Met? |', '|---|---|---:|---:|---:|---|---|')
  for (const r of growthRatios(g)) {
    const goal = FILTER_READS.has(r.read)
    out.push(`| ${r.layout} | ${r.read} | ${ms(r.small.p50Ms)} / ${ms(r.large.p50Ms)} | ${ms(r.small.p99Ms)} / ${ms(r.large.p99Ms)} | ${fmt(r.ratio, 2)}× | ${goal ? '≤ 1.5×' : '(informational)'} | ${goal ? verdict(r.ratio <= 1.5) : '—'} |`)
  }
  out.push('')
  return out
}

export const growthScenario: BenchScenario = {
  names: ['growth'],
  sections: ['8. Reads as data grows'],
  async run () {
    progress('scenario 8: reads as data grows')
    try {
      results.growth = await scenario('growth', () => measureGrowth(P.growth.sizes, P.growth.reads, progress, P.growth.redisMax))
    } catch (err) { progress(`growth failed: ${String(err)}`); results.growth = { error: String(err) } }
  },
  report: growthSection
}
