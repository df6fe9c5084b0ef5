import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { createSqliteStore, listStatement } from '../../src/store/sqlite.ts'
import type { ListQuery } from '../../src/store/types.ts'
import { add, advance, ids, tempDbs, UNDO_METADATA_FILTER_SQL } from './fixtures.ts'

const tempDb = tempDbs()
const metadata = { key: 'order', value: 'o-1' }

describe('SQLite metadata filter combined with status or capability', () => {
  it.each([
    ['status', { owner: 'alice', metadata, status: 'failed', limit: 20 }, 'task_metadata_status', /status=\?/],
    ['capability', { owner: 'alice', metadata, capability: 'text-to-music', limit: 20 }, 'task_metadata_capability', /capability=\?/]
  ] as [string, ListQuery, string, RegExp][])('with %s reads its page off the side table\'s index for both, in order', async (_name, query, index, column) => {
    const path = tempDb()
    await createSqliteStore(path).close()
    const db = new Database(path, { readonly: true })
    try {
      const { sql, params } = listStatement(query)
      const plan = db.prepare<Record<string, string | number>, { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`).all(params).map((r) => r.detail).join('\n')
      expect(plan).toMatch(new RegExp(`SEARCH m USING (COVERING )?INDEX ${index} \\(owner=\\? AND key=\\? AND value=\\? AND ${column.source}`))
      expect(plan).not.toMatch(/TEMP B-TREE|SCAN/)
    } finally {
      db.close()
    }
  })

  it('follows status changes and keeps capability, newest first', async () => {
    const store = createSqliteStore(tempDb())
    try {
      const a = await add(store, { id: 'task-a', metadata: { order: 'o-1' }, createdAt: '2026-01-01T00:00:01.000Z' })
      const b = await add(store, { id: 'task-b', metadata: { order: 'o-1' }, capability: 'text-to-music', createdAt: '2026-01-01T00:00:02.000Z' })
      await add(store, { id: 'task-c', metadata: { order: 'o-2' }, createdAt: '2026-01-01T00:00:03.000Z' })
      const list = async (q: Partial<ListQuery>): Promise<string[]> => ids((await store.list({ owner: 'alice', metadata, limit: 10, ...q })).items)
      expect(await list({ status: 'queued' })).toEqual(['task-b', 'task-a'])
      await advance(store, a.task, { status: 'failed', error: { code: 'BFF_ERR_TASK_FAILED', message: 'no' } })
      const progressed = await advance(store, b.task, { status: 'processing', progress: 10 })
      await advance(store, progressed.task, { progress: 50 })
      expect(await list({ status: 'failed' })).toEqual(['task-a'])
      expect(await list({ status: 'processing' })).toEqual(['task-b'])
      expect(await list({ status: 'queued' })).toEqual([])
      expect(await list({ capability: 'text-to-music' })).toEqual(['task-b'])
      expect(await list({ capability: 'text-to-music', status: 'processing' })).toEqual(['task-b'])
      expect(await list({ capability: 'text-to-music', status: 'failed' })).toEqual([])
      // A page of one, then the cursor to the next.
      const first = await store.list({ owner: 'alice', metadata, status: 'failed', limit: 1 })
      expect(ids(first.items)).toEqual(['task-a'])
      expect(first.nextCursor).toBeNull()
    } finally {
      await store.close()
    }
  })

  it('copies status and capability into a database made by the previous schema', async () => {
    const path = tempDb()
    const before = createSqliteStore(path)
    const { task } = await add(before, { metadata: { order: 'o-1' }, capability: 'text-to-music' })
    await advance(before, task, { status: 'failed', error: { code: 'BFF_ERR_TASK_FAILED', message: 'no' } })
    await before.close()
    const raw = new Database(path)
    raw.exec(UNDO_METADATA_FILTER_SQL)
    raw.pragma(`user_version = ${(raw.pragma('user_version', { simple: true }) as number) - 1}`)
    raw.close()

    const after = createSqliteStore(path)
    try {
      expect(ids((await after.list({ owner: 'alice', metadata, status: 'failed', limit: 10 })).items)).toEqual([task.id])
      expect(ids((await after.list({ owner: 'alice', metadata, capability: 'text-to-music', limit: 10 })).items)).toEqual([task.id])
      expect((await after.list({ owner: 'alice', metadata, status: 'queued', limit: 10 })).items).toEqual([])
    } finally {
      await after.close()
    }
  })
})
