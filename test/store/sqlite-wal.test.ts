import { statSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { newTaskId } from '../../src/tasks/task-id.ts'
import { createSqliteStore, WAL_CHECKPOINT_PAGES } from '../../src/store/sqlite.ts'
import { createOpts, makeTask, tempDbs } from './fixtures.ts'

const tempDb = tempDbs()
// Registered after tempDbs' hook, so it runs first: stores close before their files go.
const stores: { close: () => Promise<void> }[] = []
afterEach(async () => { await Promise.all(stores.splice(0).map(async (store) => { await store.close() })) })

// A WAL frame is a page plus its 24-byte header.
const FRAME = 4096 + 24
const walPages = (path: string): number => statSync(`${path}-wal`).size / FRAME

describe('SQLite WAL checkpoints', () => {
  it('run every WAL_CHECKPOINT_PAGES pages, not at the default 1,000, and keep the WAL near that size', async () => {
    const path = tempDb()
    const store = createSqliteStore(path)
    stores.push(store)
    const input = { prompt: 'x'.repeat(3000) }
    let created = 0
    const createBatch = async (n: number) => {
      await Promise.all(Array.from({ length: n }, async () => {
        const result = await store.create(makeTask({ id: newTaskId(), owner: `o${created++ % 4}`, input }), createOpts({ maxActive: 1e9 }))
        expect(result.kind).toBe('created')
      }))
    }
    // Past the default interval: the default would have checkpointed and restarted the WAL.
    for (let i = 0; i < 200 && walPages(path) < 1500; i++) await createBatch(20)
    expect(walPages(path)).toBeGreaterThanOrEqual(1500)
    expect(walPages(path)).toBeLessThan(WAL_CHECKPOINT_PAGES)
    // Several intervals further on, the WAL is reused from its start instead of growing.
    const target = created * 8
    while (created < target) await createBatch(20)
    expect(walPages(path)).toBeLessThan(WAL_CHECKPOINT_PAGES + 500)
  })
})
