import { afterEach, expect, it } from 'vitest'
import { createSqliteStore } from '../../src/store/sqlite.ts'
import { tempDbPath } from '../helper.ts'
import { add, bump } from './fixtures.ts'

let cleanup: (() => Promise<void>) | undefined
afterEach(async () => { await cleanup?.() })

function open () {
  const db = tempDbPath()
  const store = createSqliteStore(db.path)
  cleanup = async () => { await store.close(); db.cleanup() }
  return store
}

it('reads inside the shared write batch: writes queued before the read are seen, an unknown id is undefined', async () => {
  const store = open()
  const { task: a } = await add(store)
  const { task: b } = await add(store)
  const a2 = bump(a, { status: 'processing', progress: 30 })
  // Queued in one turn, so they share one transaction, in this order.
  const [written, readA, readB, missing, stale] = await Promise.all([
    store.update(a2, true, a),
    store.getForWrite!(a.id),
    store.getForWrite!(b.id),
    store.getForWrite!('no-such-task'),
    store.update(bump(a, { progress: 10 }), true, a)
  ])
  expect(written).toMatchObject({ type: 'task.processing' })
  expect(readA).toEqual(a2)
  expect(readB).toEqual(b)
  expect(missing).toBeUndefined()
  expect(stale).toBeNull()
  expect(await store.get(a.id)).toEqual(a2)
})
