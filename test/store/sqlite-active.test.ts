import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { createSqliteStore } from '../../src/store/sqlite.ts'
import { add, advance, BASE, createOpts, makeTask, tempDbs, UNDO_METADATA_FILTER_SQL } from './fixtures.ts'

const tempDb = tempDbs()
// Registered after tempDbs' hook, so it runs first: stores close before their files go.
const stores: { close: () => Promise<void> }[] = []
afterEach(async () => { await Promise.all(stores.splice(0).map(async (store) => { await store.close() })) })

/** The kept counts beside a fresh count of the same thing, per owner. */
function counts (path: string): { kept: Record<string, number>, counted: Record<string, number> } {
  const db = new Database(path, { readonly: true })
  try {
    const rows = (sql: string) => Object.fromEntries(db.prepare<[], { owner: string, n: number }>(sql).all().filter((r) => r.n > 0).map((r) => [r.owner, r.n]))
    return {
      kept: rows('SELECT owner, n FROM owner_active'),
      counted: rows("SELECT owner, COUNT(*) AS n FROM tasks WHERE status IN ('queued', 'processing') GROUP BY owner")
    }
  } finally {
    db.close()
  }
}

describe('SQLite unfinished-task counts', () => {
  it('stay equal to a recount through creates, status changes and retention deletes', async () => {
    const path = tempDb()
    const store = createSqliteStore(path)
    stores.push(store)
    const a = await add(store)
    const b = await add(store)
    await add(store, { owner: 'bob' })
    expect(counts(path)).toEqual({ kept: { alice: 2, bob: 1 }, counted: { alice: 2, bob: 1 } })

    // A progress change keeps the count; finishing takes the task out of it.
    const moved = await advance(store, a.task, { status: 'processing', progress: 10 })
    await advance(store, moved.task, { progress: 20 })
    await advance(store, b.task, { status: 'failed', nextCheckAt: null, error: { code: 'BFF_ERR_TASK_FAILED', message: 'no' } })
    expect(counts(path)).toEqual({ kept: { alice: 1, bob: 1 }, counted: { alice: 1, bob: 1 } })

    // Deleting the finished task leaves the count alone.
    expect(await store.deleteFinished!(Date.now() + 86_400_000 * 365 * 10, 10)).toBe(1)
    expect(counts(path)).toEqual({ kept: { alice: 1, bob: 1 }, counted: { alice: 1, bob: 1 } })
    // A refused create (over the cap) writes nothing to the count either.
    expect((await store.create(makeTask(), createOpts({ maxActive: 1 }))).kind).toBe('over-limit')
    expect(counts(path).kept).toEqual({ alice: 1, bob: 1 })
  })

  it('are counted from the tasks already there when a database from the previous schema migrates', async () => {
    const path = tempDb()
    const before = createSqliteStore(path)
    await add(before)
    await add(before)
    const done = await add(before)
    await advance(before, done.task, { status: 'succeeded', nextCheckAt: null })
    await before.close()
    // Back to the schema without the counts, and a task the triggers never saw.
    const raw = new Database(path)
    raw.exec(`${UNDO_METADATA_FILTER_SQL} DROP TRIGGER tasks_active_inserted; DROP TRIGGER tasks_active_finished; DROP TRIGGER tasks_active_reopened;
      DROP TRIGGER tasks_active_deleted; DROP TABLE owner_active;`)
    raw.prepare(`INSERT INTO tasks (id, owner, capability, status, progress, input, outputs, callback_token_hash, created_at, updated_at, version)
      VALUES ('untracked', 'alice', 'text-to-speech', 'processing', 0, '{}', '[]', 'x', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 1)`).run()
    raw.pragma(`user_version = ${(raw.pragma('user_version', { simple: true }) as number) - 2}`)
    raw.close()

    const after = createSqliteStore(path)
    stores.push(after)
    expect(counts(path)).toEqual({ kept: { alice: 3 }, counted: { alice: 3 } })
    expect((await after.create(makeTask(), createOpts({ maxActive: 3, now: BASE }))).kind).toBe('over-limit')
    expect((await after.create(makeTask(), createOpts({ maxActive: 4, now: BASE }))).kind).toBe('created')
  })
})
