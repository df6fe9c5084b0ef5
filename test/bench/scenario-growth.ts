/** Scenario 8, SQLite reads at 10k / 100k / 1M tasks (measured by test/bench/growth.ts). */
import { progress } from './common.ts'
import { growthRatios, measureGrowth } from './growth.ts'
import { P } from './options.ts'
import { fmt, ms, verdict } from './report-format.ts'
import { results, scenario, stamp, type BenchScenario } from './results.ts'

const FILTERS = new Set(['filter, matching (1 in 100)', 'filter, matching (10 oldest)', 'filter, non-matching'])

function growthSection (): string[] {
  const out = ['## 8. Reads as data grows', '', stamp('growth'), '']
  out.push(`\`test/bench/growth.ts\`: a SQLite file seeded in SQL with ${P.growth.sizes.map((n) => fmt(n)).join(' / ')} tasks (one event each), on one owner holding them all and on 1,000 owners; ` +
    `1 task in 100 is \`text-to-music\`, each owner's 10 oldest are still processing, none failed. Each read runs ${fmt(P.growth.reads)} times in each of 5 rounds through the store's interface in-process (HTTP adds the same constant at every size); figures are the median round's. ` +
    'Goal for every list filter: p99 at the largest size <= 1.5x p99 at the smallest. Sub-millisecond p99s on a shared machine are mostly scheduling noise, so the p50 column is shown too.', '')
  const g = results.growth
  if (!g) return [...out, 'Not run.', '']
  if ('error' in g) return [...out, `**Failed:** ${g.error}`, '']
  out.push('| Layout | Read | p50 smallest / largest | p99 smallest / largest | p99 ratio | Goal | Met? |', '|---|---|---:|---:|---:|---|---|')
  for (const r of growthRatios(g)) {
    const goal = FILTERS.has(r.read)
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
      results.growth = await scenario('growth', () => measureGrowth(P.growth.sizes, P.growth.reads, progress))
    } catch (err) { progress(`growth failed: ${String(err)}`); results.growth = { error: String(err) } }
  },
  report: growthSection
}
