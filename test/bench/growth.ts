/**
 * Growth (issue 18): the SQLite store's reads at 10k / 100k / 1M tasks, seeded in SQL straight into
 * the store's own schema (not through HTTP), on one owner holding every task and on 1,000 owners.
 * Each read is timed in-process through the store's interface, so the figure is what the store
 * adds as data grows; HTTP adds the same constant at every size. Figures are the median of 5 rounds.
 *
 * Tasks: 1 in 100 is `text-to-music` (the rest `video-scoring`); each owner's 10 oldest are still
 * processing (the rest succeeded: a filter for them must find 10 rows behind every other one, and the
 * unfinished set stays the same size as the data grows); none failed; one event each. Standalone:
 * `npx tsx test/bench/growth.ts [--sizes=10000,100000,1000000] [--reads=1000]`.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { createSqliteStore } from '../../src/store/sqlite.ts'

export interface GrowthRow { layout: string, tasks: number, read: string, p50Ms: number, p99Ms: number }

const SEED = `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < @count)
  INSERT INTO tasks (id, owner, capability, status, progress, input, outputs, error, upstream_task_id,
    callback_token_hash, created_at, updated_at, version, next_check_at, deadline_at, check_attempts, provider)
  SELECT printf('t%08d', i), printf('o%d', i % @owners),
    CASE WHEN i % 100 = 7 THEN 'text-to-music' ELSE 'video-scoring' END,
    CASE WHEN i < 10 * @owners THEN 'processing' ELSE 'succeeded' END,
    CASE WHEN i < 10 * @owners THEN 40 ELSE 100 END,
    '{"videoUrl":"https://example.com/clips/bench.mp4","prompt":"Upbeat acoustic guitar"}',
    '[]', NULL, printf('u%08d', i), hex(randomblob(32)),
    strftime('%Y-%m-%dT%H:%M:%S.000Z', '2026-01-01', printf('+%d seconds', i)),
    strftime('%Y-%m-%dT%H:%M:%S.000Z', '2026-01-01', printf('+%d seconds', i)),
    2, NULL, 0, 0, 'tomoviee'
  FROM n`

const SEED_EVENTS = `INSERT INTO events (task_id, owner, type, data)
  SELECT id, owner, 'task.' || status, json_object('id', id, 'capability', capability, 'provider', provider,
    'status', status, 'progress', progress, 'input', json(input), 'outputs', json('[]'), 'error', NULL,
    'createdAt', created_at, 'updatedAt', updated_at)
  FROM tasks ORDER BY created_at`

function quantile (sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
}

const ROUNDS = 5

/** `reads` timed calls in each of 5 rounds; the median round's p50 and p99, so one GC pause or busy moment of a shared core does not decide the figure. */
async function time (reads: number, fn: (i: number) => Promise<unknown>): Promise<{ p50Ms: number, p99Ms: number }> {
  for (let i = 0; i < 20; i++) await fn(i)
  const p50: number[] = []
  const p99: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const ms: number[] = []
    for (let i = 0; i < reads; i++) {
      const t0 = process.hrtime.bigint()
      await fn(round * reads + i)
      ms.push(Number(process.hrtime.bigint() - t0) / 1e6)
    }
    ms.sort((a, b) => a - b)
    p50.push(quantile(ms, 0.5))
    p99.push(quantile(ms, 0.99))
  }
  const median = (v: number[]): number => quantile(v.sort((a, b) => a - b), 0.5)
  return { p50Ms: median(p50), p99Ms: median(p99) }
}

export async function measureGrowth (sizes: number[], reads: number, log: (line: string) => void = () => {}): Promise<GrowthRow[]> {
  const rows: GrowthRow[] = []
  for (const owners of [1, 1000]) {
    const layout = owners === 1 ? 'one owner' : '1,000 owners'
    for (const count of sizes) {
      const dir = mkdtempSync(join(tmpdir(), 'bench-growth-'))
      try {
        const path = join(dir, 'bff.sqlite')
        // The store creates (and migrates) the schema; the rows go in as SQL, far faster than its API.
        await createSqliteStore(path).close()
        const t0 = Date.now()
        const db = new Database(path)
        db.pragma('journal_mode = WAL')
        db.transaction(() => {
          db.prepare(SEED).run({ count, owners })
          db.prepare(SEED_EVENTS).run()
        })()
        db.close()
        log(`growth: seeded ${count} tasks over ${owners} owner(s) in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
        const store = createSqliteStore(path)
        const owner = (i: number): string => `o${(i * 7919) % owners}`
        const id = (i: number): string => `t${String((i * 104_729) % count).padStart(8, '0')}`
        // A cursor 50 pages of 20 in: a deep page without OFFSET.
        let deep: string | null = null
        for (let p = 0, cursor: string | undefined; p < 50; p++) {
          const page = await store.list({ owner: 'o0', limit: 20, cursor })
          if (!page.nextCursor) break
          cursor = deep = page.nextCursor
        }
        const maxEvent = (await store.snapshot('o0')).lastId
        const cases: [string, (i: number) => Promise<unknown>][] = [
          ['first page', async (i) => await store.list({ owner: owner(i), limit: 20 })],
          ['deep page (50 pages in)', async () => await store.list({ owner: 'o0', limit: 20, cursor: deep ?? undefined })],
          ['filter, matching (1 in 100)', async (i) => await store.list({ owner: owner(i), limit: 20, capability: 'text-to-music' })],
          ['filter, matching (10 oldest)', async (i) => await store.list({ owner: owner(i), limit: 20, status: 'processing' })],
          ['filter, non-matching', async (i) => await store.list({ owner: owner(i), limit: 20, status: 'failed' })],
          ['get', async (i) => await store.get(id(i))],
          ['snapshot (unfinished tasks)', async (i) => await store.snapshot(owner(i))],
          ['short replay (last 50 events)', async () => await store.after({ owner: 'o0' }, Math.max(0, maxEvent - 50 * owners), 100)]
        ]
        for (const [read, fn] of cases) rows.push({ layout, tasks: count, read, ...await time(reads, fn) })
        await store.close()
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }
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
  const rows = await measureGrowth(sizes, reads, console.log)
  console.log('| Layout | Tasks | Read | p50 | p99 |\n|---|---:|---|---:|---:|')
  for (const r of rows) console.log(`| ${r.layout} | ${r.tasks.toLocaleString('en')} | ${r.read} | ${r.p50Ms.toFixed(3)} ms | ${r.p99Ms.toFixed(3)} ms |`)
  console.log('\n| Layout | Read | p99 smallest | p99 largest | Ratio |\n|---|---|---:|---:|---:|')
  for (const g of growthRatios(rows)) console.log(`| ${g.layout} | ${g.read} | ${g.small.p99Ms.toFixed(3)} ms | ${g.large.p99Ms.toFixed(3)} ms | ${g.ratio.toFixed(2)}x |`)
}
