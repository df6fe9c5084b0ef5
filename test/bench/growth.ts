/**
 * Growth (issue 18): each store's reads at 10k / 100k / 1M tasks, on one owner holding every task
 * and on 1,000 owners. SQLite is seeded in SQL straight into the store's own schema; Redis (when
 * redis-server is installed) through the Redis store's create script on a private server
 * (test/bench/growth-redis.ts), up to `redisMax` tasks (run.ts: 100,000; seeding takes ~15 s and
 * ~600 MiB per 100,000, so a million would add minutes and 6 GiB). Neither goes through HTTP.
 * Each read is timed in-process through the store's interface, so the figure is what the store
 * adds as data grows; HTTP adds the same constant at every size. Timing: test/bench/growth-timing.ts.
 *
 * The seed: test/bench/growth-seed.ts. Standalone: `npx tsx test/bench/growth.ts [--sizes=10000,100000,1000000] [--reads=1000] [--redis-max=N]`.
 */
import { hasRedisServer } from '../redis-helper.ts'
import { seedRedisStore, seedSqlite, type Seeded } from './growth-seed.ts'
import { collectGarbage, timeAcrossSizes, type Read } from './growth-timing.ts'

export interface GrowthRow { layout: string, tasks: number, read: string, p50Ms: number, p99Ms: number }

/** The reads the goal applies to: every list filter, matching and not. */
export const FILTER_READS = new Set([
  'status, matching (10 oldest)', 'status, non-matching',
  'capability, matching (10 per owner)', 'capability, non-matching',
  'metadata, matching (10 per owner)', 'metadata, non-matching',
  'status + capability, non-matching', 'metadata + status, non-matching'
])

/** What section 8 of BENCHMARKS.md says about the setup. */
export function growthSetup (sizes: number[], redisMax: number, reads: number): string {
  const fmt = (n: number): string => n.toLocaleString('en-US')
  return `\`test/bench/growth.ts\`: SQLite seeded in SQL with ${sizes.map(fmt).join(' / ')} tasks (one event each); Redis (rows marked Redis) seeded through the store's create script on a private redis-server without persistence, ` +
    `${sizes.filter((n) => n <= redisMax).map(fmt).join(' / ')} tasks; each on one owner holding them all and on 1,000 owners. Per owner at every size, 10 tasks are \`text-to-music\` and 10 carry \`campaign=launch\`, each set spread evenly through the owner's history (so a matching page holds the same 10 rows at every size), each owner's 10 oldest are still processing, none failed; ` +
    `non-matching filters ask for \`failed\`, \`text-to-video\` and \`campaign=none\`, and the combined ones for \`failed\` with \`text-to-music\` and with \`campaign=regular\`. Every size of a layout is seeded before timing starts; each read is warmed up, then runs ${fmt(reads)} times in each of 5 rounds per size through the store's interface in-process (HTTP adds the same constant at every size), the rounds alternating between the sizes with a full GC before each; figures are each size's best round (lowest p50, lowest p99: a pause of the shared cores lands in one round, a worse plan slows every round), no sample dropped. ` +
    'Goal for every list filter: p99 at the largest size <= 1.5x p99 at the smallest. Sub-millisecond p99s on a shared machine are mostly scheduling noise, so the p50 column is shown too.'
}

/** Every read of the table, on one seeded store. */
async function readsOf ({ store, count }: Seeded, owners: number): Promise<[string, Read][]> {
  const owner = (i: number): string => `o${(i * 7919) % owners}`
  const id = (i: number): string => `t${String((i * 104_729) % count).padStart(8, '0')}`
  const page = (i: number, filter: Record<string, unknown>): Promise<unknown> => store.list({ owner: owner(i), limit: 20, ...filter })
  // A cursor 50 pages of 20 in: a deep page without OFFSET.
  let deep: string | null = null
  for (let p = 0, cursor: string | undefined; p < 50; p++) {
    const next = await store.list({ owner: 'o0', limit: 20, cursor })
    if (!next.nextCursor) break
    cursor = deep = next.nextCursor
  }
  const maxEvent = (await store.snapshot('o0')).lastId
  return [
    ['first page', async (i) => await page(i, {})],
    ['deep page (50 pages in)', async () => await store.list({ owner: 'o0', limit: 20, cursor: deep ?? undefined })],
    ['status, matching (10 oldest)', async (i) => await page(i, { status: 'processing' })],
    ['status, non-matching', async (i) => await page(i, { status: 'failed' })],
    ['capability, matching (10 per owner)', async (i) => await page(i, { capability: 'text-to-music' })],
    ['capability, non-matching', async (i) => await page(i, { capability: 'text-to-video' })],
    ['metadata, matching (10 per owner)', async (i) => await page(i, { metadata: { key: 'campaign', value: 'launch' } })],
    ['metadata, non-matching', async (i) => await page(i, { metadata: { key: 'campaign', value: 'none' } })],
    // Combined filters, each asking for a rare status beside a common value, so only an index on both keeps them flat.
    ['status + capability, non-matching', async (i) => await page(i, { status: 'failed', capability: 'text-to-music' })],
    ['metadata + status, non-matching', async (i) => await page(i, { status: 'failed', metadata: { key: 'campaign', value: 'regular' } })],
    ['get', async (i) => await store.get(id(i))],
    ['snapshot (unfinished tasks)', async (i) => await store.snapshot(owner(i))],
    ['short replay (last 50 events)', async () => await store.after({ owner: 'o0' }, Math.max(0, maxEvent - 50 * owners), 100)]
  ]
}

/** Seeds every size of one layout, then times each read across them (growth-timing.ts). */
async function measureLayout (layout: string, sizes: number[], owners: number, reads: number, seed: (count: number) => Promise<Seeded>): Promise<GrowthRow[]> {
  const seeded: Seeded[] = []
  try {
    for (const count of sizes) seeded.push(await seed(count))
    const cases = await Promise.all(seeded.map((s) => readsOf(s, owners)))
    collectGarbage()
    const rows: GrowthRow[] = []
    for (const [c, [read]] of cases[0]!.entries()) {
      const timed = await timeAcrossSizes(reads, cases.map((of) => of[c]![1]))
      timed.forEach((t, s) => rows.push({ layout, tasks: sizes[s]!, read, ...t }))
    }
    return rows
  } finally {
    for (const s of seeded) await s.close()
  }
}

/** Redis stays out above `redisMax` tasks, and altogether without redis-server. */
export async function measureGrowth (sizes: number[], reads: number, log: (line: string) => void = () => {}, redisMax = Infinity): Promise<GrowthRow[]> {
  const rows: GrowthRow[] = []
  const redis = hasRedisServer()
  if (!redis) log('growth: no redis-server on PATH, Redis rows left out')
  for (const owners of [1, 1000]) {
    const layout = owners === 1 ? 'one owner' : '1,000 owners'
    rows.push(...await measureLayout(layout, sizes, owners, reads, (count) => seedSqlite(count, owners, log)))
    const redisSizes = sizes.filter((n) => n <= redisMax)
    if (redis && redisSizes.length > 0) rows.push(...await measureLayout(`Redis, ${layout}`, redisSizes, owners, reads, (count) => seedRedisStore(count, owners, log)))
  }
  return rows
}

/** p99 at the largest size over p99 at the smallest, per layout and read (goal for filters: <= 1.5x). */
export function growthRatios (rows: GrowthRow[]): { layout: string, read: string, small: GrowthRow, large: GrowthRow, ratio: number }[] {
  const out = []
  for (const layout of new Set(rows.map((r) => r.layout))) {
    for (const read of new Set(rows.map((r) => r.read))) {
      const of = rows.filter((r) => r.layout === layout && r.read === read).sort((a, b) => a.tasks - b.tasks)
      const small = of[0]
      const large = of.at(-1)
      if (small && large && small !== large) out.push({ layout, read, small, large, ratio: large.p99Ms / Math.max(small.p99Ms, 0.001) })
    }
  }
  return out
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1]
  const sizes = (arg('sizes') ?? '10000,100000,1000000').split(',').map(Number)
  const reads = Number(arg('reads') ?? 1000)
  const rows = await measureGrowth(sizes, reads, console.log, Number(arg('redis-max') ?? Infinity))
  console.log('| Layout | Tasks | Read | p50 | p99 |\n|---|---:|---|---:|---:|')
  for (const r of rows) console.log(`| ${r.layout} | ${r.tasks.toLocaleString('en')} | ${r.read} | ${r.p50Ms.toFixed(3)} ms | ${r.p99Ms.toFixed(3)} ms |`)
  console.log('\n| Layout | Read | p99 smallest | p99 largest | Ratio |\n|---|---|---:|---:|---:|')
  for (const g of growthRatios(rows)) console.log(`| ${g.layout} | ${g.read} | ${g.small.p99Ms.toFixed(3)} ms | ${g.large.p99Ms.toFixed(3)} ms | ${g.ratio.toFixed(2)}x |`)
}
