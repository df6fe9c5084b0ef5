import Database from 'better-sqlite3'
import type { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createRedisLeases, LOCAL_LEASES } from '../../src/coordination/lease.ts'
import { createRedisStore } from '../../src/store/redis.ts'
import { redisKeys } from '../../src/store/redis-keys.ts'
import { createSqliteStore } from '../../src/store/sqlite.ts'
import { FINISHED_BATCH_SQL } from '../../src/store/sqlite-retention.ts'
import { createRetention } from '../../src/tasks/retention.ts'
import type { TaskRecord } from '../../src/tasks/model.ts'
import { tempDbPath } from '../helper.ts'
import { dropPrefix, redisAvailable, testPrefix } from '../redis-helper.ts'
import { add, advance, BASE, ids, UNDO_METADATA_SQL, type Store } from './fixtures.ts'
import { connectRedis } from './redis-connection.ts'

const DAY = 86_400_000
// Long enough that the TTLs set from the fixtures' 2026 dates still lie ahead.
const RETENTION_MS = 3650 * DAY
const available = await redisAvailable()
const filePrefix = testPrefix()
let conn: Redis
let seq = 0
const cleanups: (() => Promise<void> | void)[] = []

beforeAll(async () => { if (available) conn = await connectRedis() })
afterEach(async () => { for (const fn of cleanups.splice(0).reverse()) await fn() })
afterAll(async () => {
  if (!available) return
  await dropPrefix(filePrefix)
  await conn.quit()
})

function openSqlite (): Store {
  const db = tempDbPath()
  const store = createSqliteStore(db.path)
  cleanups.push(db.cleanup, () => store.close())
  return store
}

function openRedis (): Store & { prefix: string } {
  const prefix = `${filePrefix}:${++seq}:`
  return Object.assign(createRedisStore(conn, { prefix, maxEventsPerOwner: 10_000, maxEventsPerTask: 1_000, retentionMs: RETENTION_MS }), { prefix })
}

/** A task that went through processing to `status`; the finish time is its updatedAt. */
async function finished (store: Store, status: TaskRecord['status'], over: Partial<TaskRecord> = {}): Promise<TaskRecord> {
  let { task } = await add(store, over)
  ;({ task } = await advance(store, task, { status: 'processing', progress: 10 }))
  ;({ task } = await advance(store, task, { status, ...(status === 'succeeded' ? { progress: 100 } : {}) }))
  return task
}

const backends: [string, () => Store, boolean][] = [['sqlite', openSqlite, true], ['redis', openRedis, available]]

describe.each(backends)('retention on %s', (_name, open, enabled) => {
  it.skipIf(!enabled)('deletes a finished task with its events, and never an unfinished one however old', async () => {
    const store = open()
    const oldActive = (await add(store)).task
    const gone = await finished(store, 'succeeded')
    const failed = await finished(store, 'failed')
    const recent = await finished(store, 'canceled')
    const cutoff = Date.parse(failed.updatedAt) + 1

    expect(await store.deleteFinished!(cutoff, 100)).toBe(2)
    for (const task of [gone, failed]) {
      expect(await store.get(task.id)).toBeUndefined()
      expect(await store.after({ owner: 'alice', taskId: task.id }, 0, 100)).toEqual([])
      expect(await store.latest(task.id)).toBeUndefined()
    }
    const page = await store.list({ owner: 'alice', limit: 20 })
    expect(page.items.map((t) => t.id).sort()).toEqual([oldActive.id, recent.id].sort())
    expect((await store.list({ owner: 'alice', status: 'succeeded', limit: 20 })).items).toEqual([])
    expect((await store.list({ owner: 'alice', capability: gone.capability, limit: 20 })).items.map((t) => t.id).sort()).toEqual([oldActive.id, recent.id].sort())
    expect(await store.get(oldActive.id)).toEqual(oldActive)
    expect(await store.get(recent.id)).toEqual(recent)

    // Everything is past the cutoff now, yet the unfinished task stays.
    expect(await store.deleteFinished!(Date.now() + RETENTION_MS, 100)).toBe(1)
    expect(await store.get(oldActive.id)).toEqual(oldActive)
    expect((await store.snapshot('alice')).events.map((e) => e.task.id)).toEqual([oldActive.id])
    expect(await store.deleteFinished!(Date.now() + RETENTION_MS, 100)).toBe(0)
  })

  it.skipIf(!enabled)('deletes at most one batch per call', async () => {
    const store = open()
    for (let i = 0; i < 5; i++) await finished(store, 'succeeded')
    const later = Date.now() + RETENTION_MS
    const batches: number[] = []
    for (let deleted = -1; deleted !== 0;) batches.push(deleted = await store.deleteFinished!(later, 2))
    expect(batches).toEqual([2, 2, 1, 0])
    expect((await store.list({ owner: 'alice', limit: 20 })).items).toEqual([])
  })

  it.skipIf(!enabled)('the sweep deletes everything due in bounded batches and stops at what is kept', async () => {
    const store = open()
    const old = await Promise.all([0, 1, 2, 3, 4, 5, 6].map(async () => finished(store, 'timed_out')))
    const deletedBatches: number[] = []
    const sweep = createRetention({
      store,
      leases: LOCAL_LEASES,
      retentionMs: DAY,
      batch: 3,
      intervalMs: 60_000,
      pauseMs: 0,
      // The fixtures finish their tasks at BASE plus a few seconds: a day later, all are due.
      now: () => BASE + 2 * DAY,
      onDeleted: (n) => deletedBatches.push(n),
      onError: (err) => { throw err }
    })
    expect(await sweep.run()).toBe(old.length)
    expect(deletedBatches).toEqual([3, 3, 1])
    for (const task of old) expect(await store.get(task.id)).toBeUndefined()
  })

  it.skipIf(!enabled)('forgets a deleted task in the metadata filter, and keeps an unfinished one there', async () => {
    const store = open()
    const kept = (await add(store, { metadata: { order: 'o-1' } })).task
    const gone = await finished(store, 'succeeded', { metadata: { order: 'o-1', extra: 'x' } })
    const filter = { owner: 'alice', metadata: { key: 'order', value: 'o-1' }, limit: 10 }
    expect(ids((await store.list(filter)).items)).toEqual([gone.id, kept.id])
    expect(await store.deleteFinished!(Date.now() + RETENTION_MS, 100)).toBe(1)
    expect(ids((await store.list(filter)).items)).toEqual([kept.id])
    expect((await store.list({ ...filter, metadata: { key: 'extra', value: 'x' } })).items).toEqual([])
    // Redis skips ids whose hash is gone, so the index itself is looked at: no stale member left.
    if ('prefix' in store) {
      const k = redisKeys(store.prefix as string)
      expect(await conn.zrange(k.byMetadata('alice', 'order', 'o-1'), 0, -1)).toEqual([kept.id])
      expect(await conn.exists(k.byMetadata('alice', 'extra', 'x'))).toBe(0)
    }
  })
})

describe('retention on sqlite specifics', () => {
  it('finds a batch through the finished-tasks index, never by scanning the tasks', async () => {
    const db = tempDbPath()
    cleanups.push(db.cleanup)
    await createSqliteStore(db.path).close()
    const raw = new Database(db.path, { readonly: true })
    cleanups.push(() => { raw.close() })
    const plan = raw.prepare<[string, number], { detail: string }>(`EXPLAIN QUERY PLAN ${FINISHED_BATCH_SQL}`).all('2026-01-01', 10).map((r) => r.detail).join('\n')
    expect(plan).toMatch(/SEARCH tasks USING INDEX tasks_finished/)
    expect(plan).not.toMatch(/SCAN tasks|TEMP B-TREE/)
  })

  it('reclaims the freed pages, and a resume from before a deleted event counts as trimmed', async () => {
    const db = tempDbPath()
    cleanups.push(db.cleanup)
    const store = createSqliteStore(db.path)
    cleanups.push(() => store.close())
    const big = 'x'.repeat(2_000)
    const tasks: TaskRecord[] = []
    for (let i = 0; i < 200; i++) tasks.push(await finished(store, 'succeeded', { input: { text: big, voice: 'nova' } }))
    const lastDeleted = (await store.latest(tasks.at(-1)!.id))!.id
    const raw = new Database(db.path, { readonly: true })
    cleanups.push(() => { raw.close() })
    const pages = (): number => raw.pragma('page_count', { simple: true }) as number
    const before = pages()

    expect(await store.trimmedThrough!({ owner: 'alice' })).toBe(0)
    while (await store.deleteFinished!(Date.now(), 50) > 0);
    expect(pages()).toBeLessThan(before / 4)
    expect(raw.pragma('freelist_count', { simple: true })).toBe(0)
    expect(await store.trimmedThrough!({ owner: 'alice' })).toBe(lastDeleted)
  })

  it('keeps deleting in a file made before incremental vacuum, whose free pages are reused instead', async () => {
    const db = tempDbPath()
    cleanups.push(db.cleanup)
    // A file whose tables already exist, as made by an older version: auto_vacuum cannot change any more.
    const old = new Database(db.path)
    old.exec('CREATE TABLE placeholder (x)')
    old.close()
    const store = createSqliteStore(db.path)
    cleanups.push(() => store.close())
    const raw = new Database(db.path, { readonly: true })
    expect(raw.pragma('auto_vacuum', { simple: true })).toBe(0)
    raw.close()
    const task = await finished(store, 'failed')
    expect(await store.deleteFinished!(Date.now(), 10)).toBe(1)
    expect(await store.get(task.id)).toBeUndefined()
  })

  it('adds retention to a database made by the previous schema, keeping its tasks', async () => {
    const db = tempDbPath()
    cleanups.push(db.cleanup)
    const before = createSqliteStore(db.path)
    const task = await finished(before, 'succeeded')
    await before.close()
    const raw = new Database(db.path)
    raw.exec(`DROP INDEX tasks_finished; DROP TABLE retention; ALTER TABLE tasks DROP COLUMN provider; ${UNDO_METADATA_SQL}`)
    raw.pragma('user_version = 4')
    raw.close()

    const after = createSqliteStore(db.path)
    cleanups.push(() => after.close())
    expect(await after.get(task.id)).toEqual(task)
    expect(await after.deleteFinished!(Date.now(), 10)).toBe(1)
    expect(await after.get(task.id)).toBeUndefined()
  })
})

describe.skipIf(!available)('retention on redis specifics', () => {
  it('gives a finished task\'s hash, stream and upstream binding the retention as TTL, in the same write', async () => {
    const store = openRedis()
    const active = (await add(store)).task
    const task = await finished(store, 'succeeded', { upstreamTaskId: `up-${seq}` })
    const k = redisKeys(store.prefix)
    const expected = Date.parse(task.updatedAt) + RETENTION_MS - Date.now()
    for (const key of [k.task(task.id), k.taskEvents(task.id), k.upstream(task.upstreamTaskId!)]) {
      const ttl = await conn.pttl(key)
      expect(ttl).toBeGreaterThan(expected - 60_000)
      expect(ttl).toBeLessThanOrEqual(expected)
    }
    // An unfinished task keeps its keys for good.
    expect(await conn.pttl(k.task(active.id))).toBe(-1)
    expect(await conn.pttl(k.taskEvents(active.id))).toBe(-1)

    expect(await store.deleteFinished!(Date.now() + RETENTION_MS, 10)).toBe(1)
    expect(await conn.exists(k.task(task.id), k.taskEvents(task.id), k.upstream(task.upstreamTaskId!))).toBe(0)
    expect(await conn.zcard(k.finished)).toBe(0)
  })

  it('a finished task already past its retention is gone at once, and the sweep drops its index entries', async () => {
    const prefix = `${filePrefix}:${++seq}:`
    const store = createRedisStore(conn, { prefix, maxEventsPerOwner: 100, maxEventsPerTask: 100, retentionMs: DAY })
    const task = await finished(store, 'failed')
    const k = redisKeys(prefix)
    expect(await store.get(task.id)).toBeUndefined()
    // Listing skips it even before the sweep removes it from the sets.
    expect((await store.list({ owner: 'alice', limit: 20 })).items).toEqual([])
    expect(await store.deleteFinished!(Date.now(), 10)).toBe(1)
    expect(await conn.zcard(k.all('alice'))).toBe(0)
    expect(await conn.zcard(k.byCapability('alice', task.capability))).toBe(0)
  })

  it('runs on one instance at a time', async () => {
    const store = openRedis()
    await finished(store, 'succeeded')
    const prefix = (store as { prefix: string }).prefix
    const sweep = () => createRetention({
      store,
      leases: createRedisLeases(conn, prefix),
      retentionMs: DAY,
      batch: 10,
      intervalMs: 60_000,
      now: () => Date.now() + RETENTION_MS,
      onDeleted: () => {},
      onError: (err) => { throw err }
    })
    const results = await Promise.all([sweep().run(), sweep().run()])
    expect(results.sort()).toEqual([1, null].sort())
  })
})
