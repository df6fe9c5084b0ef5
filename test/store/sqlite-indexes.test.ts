import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { createSqliteStore, listStatement } from '../../src/store/sqlite.ts'
import type { ListQuery } from '../../src/store/types.ts'
import { add, advance, tempDbs, UNDO_METADATA_SQL } from './fixtures.ts'

const tempDb = tempDbs()

// A cursor as the store hands it out: base64url of [createdAt, id].
const cursor = Buffer.from(JSON.stringify(['2026-01-01T00:00:05.000Z', 'task-00005'])).toString('base64url')

const queries: [string, ListQuery][] = [
  ['no filter', { owner: 'alice', limit: 20 }],
  ['status', { owner: 'alice', status: 'failed', limit: 20 }],
  ['capability', { owner: 'alice', capability: 'text-to-speech', limit: 20 }],
  ['status and capability', { owner: 'alice', status: 'failed', capability: 'text-to-speech', limit: 20 }],
  ['status, deep page', { owner: 'alice', status: 'succeeded', cursor, limit: 20 }],
  ['capability, deep page', { owner: 'alice', capability: 'text-to-music', cursor, limit: 20 }]
]

describe('SQLite list indexes', () => {
  // The plan, not a timing: a page must come off an index in page order, whatever the filter, so
  // its cost does not grow with the owner's task count.
  it.each(queries)('reads a %s page straight off an index, in order', async (_name, query) => {
    const path = tempDb()
    await createSqliteStore(path).close()
    const db = new Database(path, { readonly: true })
    try {
      const { sql, params } = listStatement(query)
      const plan = db.prepare<Record<string, string | number>, { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`).all(params).map((r) => r.detail)
      expect(plan.join('\n')).toMatch(/SEARCH tasks USING INDEX tasks_owner_\w+ \(owner=\?/)
      expect(plan.join('\n')).not.toMatch(/TEMP B-TREE|SCAN tasks/)
      if (query.status) expect(plan.join('\n')).toMatch(/status=\?/)
      if (query.capability) expect(plan.join('\n')).toMatch(/capability=\?/)
    } finally {
      db.close()
    }
  })

  it('adds the indexes to a database made by the previous schema, keeping its tasks', async () => {
    const path = tempDb()
    const before = createSqliteStore(path)
    const { task } = await add(before)
    await advance(before, task, { status: 'failed', error: { code: 'BFF_ERR_TASK_FAILED', message: 'no' } })
    await before.close()
    // Back to the schema as it was before this migration: the old status index, version 3.
    const raw = new Database(path)
    raw.exec(`DROP INDEX tasks_owner_status_created; DROP INDEX tasks_owner_capability_created;
      DROP INDEX tasks_owner_status_capability_created; CREATE INDEX tasks_owner_status ON tasks (owner, status);
      ALTER TABLE tasks DROP COLUMN provider; ${UNDO_METADATA_SQL}`)
    raw.pragma('user_version = 3')
    raw.close()

    const after = createSqliteStore(path)
    try {
      expect((await after.list({ owner: 'alice', status: 'failed', limit: 10 })).items.map((t) => t.id)).toEqual([task.id])
      // Tasks from before tasks named their provider were ToMoviee's.
      expect((await after.get(task.id))?.provider).toBe('tomoviee')
      expect((await after.list({ owner: 'alice', status: 'queued', limit: 10 })).items).toEqual([])
    } finally {
      await after.close()
    }
    const check = new Database(path, { readonly: true })
    try {
      const names = check.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tasks'").all().map((r) => r.name)
      expect(names).toEqual(expect.arrayContaining(['tasks_owner_status_created', 'tasks_owner_capability_created', 'tasks_owner_status_capability_created']))
      expect(names).not.toContain('tasks_owner_status')
    } finally {
      check.close()
    }
  })
})

describe('SQLite metadata filter', () => {
  it.each([
    ['first page', { owner: 'alice', metadata: { key: 'order', value: 'o-1' }, limit: 20 }],
    ['deep page', { owner: 'alice', metadata: { key: 'order', value: 'o-1' }, cursor, limit: 20 }]
  ] as [string, ListQuery][])('reads a %s straight off the side table\'s index, in order', async (_name, query) => {
    const path = tempDb()
    await createSqliteStore(path).close()
    const db = new Database(path, { readonly: true })
    try {
      const { sql, params } = listStatement(query)
      const plan = db.prepare<Record<string, string | number>, { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`).all(params).map((r) => r.detail).join('\n')
      expect(plan).toMatch(/SEARCH m USING (COVERING )?INDEX task_metadata_filter \(owner=\? AND key=\? AND value=\?/)
      expect(plan).toMatch(/SEARCH tasks USING INDEX sqlite_autoindex_tasks_1 \(id=\?\)/)
      expect(plan).not.toMatch(/TEMP B-TREE|SCAN/)
    } finally {
      db.close()
    }
  })

  it('adds metadata to a database made by the previous schema, keeping its tasks, and forgets deleted tasks\' rows', async () => {
    const path = tempDb()
    const before = createSqliteStore(path)
    const { task: old } = await add(before)
    await before.close()
    const raw = new Database(path)
    raw.exec(UNDO_METADATA_SQL)
    raw.pragma('user_version = 6')
    raw.close()

    const after = createSqliteStore(path)
    try {
      expect((await after.get(old.id))?.metadata).toBeUndefined()
      const { task } = await add(after, { metadata: { order: 'o-1' } })
      expect((await after.list({ owner: 'alice', metadata: { key: 'order', value: 'o-1' }, limit: 10 })).items.map((t) => t.id)).toEqual([task.id])
      expect((await after.list({ owner: 'alice', limit: 10 })).items.map((t) => t.id)).toEqual([task.id, old.id])
      const done = await advance(after, task, { status: 'succeeded', progress: 100, nextCheckAt: null, updatedAt: '2026-01-01T00:00:00.000Z' })
      expect(done.event.task.metadata).toEqual({ order: 'o-1' })
      expect(await after.deleteFinished!(Date.now(), 10)).toBe(1)
    } finally {
      await after.close()
    }
    const check = new Database(path, { readonly: true })
    try {
      expect(check.prepare('SELECT COUNT(*) AS n FROM task_metadata').get()).toEqual({ n: 0 })
    } finally {
      check.close()
    }
  })
})
