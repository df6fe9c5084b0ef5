import { expect, it } from 'vitest'
import type { StoredEvent } from '../../src/store/types.ts'
import type { TaskEvent } from '../../src/tasks/model.ts'
import { add, advance, eventIds, expectAscending, type StoreContext } from './fixtures.ts'

export function eventCases (ctx: StoreContext): void {
  it('starts empty', async () => {
    expect(await ctx.store.snapshot('alice')).toEqual({ events: [], lastId: 0 })
    expect(await ctx.store.after({ owner: 'alice' }, 0, 10)).toEqual([])
    expect(await ctx.store.latest('nothing')).toBeUndefined()
  })

  it('replays an owner\'s events after an id: ascending, exclusive, limited', async () => {
    const { task: t1, event: e1 } = await add(ctx.store)
    const { event: e2 } = await add(ctx.store, { owner: 'bob' })
    const { event: e3 } = await advance(ctx.store, t1, { status: 'processing', progress: 30 })
    const { event: e4 } = await add(ctx.store)
    expectAscending([e1, e2, e3, e4])
    expect(await ctx.store.after({ owner: 'alice' }, 0, 10)).toEqual([e1, e3, e4])
    expect(await ctx.peer.after({ owner: 'alice' }, e1.id, 10)).toEqual([e3, e4])
    expect(await ctx.store.after({ owner: 'alice' }, e1.id, 1)).toEqual([e3])
    expect(await ctx.store.after({ owner: 'alice' }, e2.id, 10)).toEqual([e3, e4])
    expect(await ctx.store.after({ owner: 'alice' }, e4.id, 10)).toEqual([])
    expect(await ctx.store.after({ owner: 'bob' }, 0, 10)).toEqual([e2])
    expect(await ctx.store.after({ owner: 'carol' }, 0, 10)).toEqual([])
  })

  it('replays one task\'s events, and nothing of it to another owner', async () => {
    const { task, event: e1 } = await add(ctx.store)
    await add(ctx.store)
    const { task: t2, event: e2 } = await advance(ctx.store, task, { status: 'processing' })
    const { event: e3 } = await advance(ctx.store, t2, { status: 'succeeded', progress: 100, nextCheckAt: null })
    expect(await ctx.store.after({ owner: 'alice', taskId: task.id }, 0, 10)).toEqual([e1, e2, e3])
    expect(await ctx.store.after({ owner: 'alice', taskId: task.id }, e1.id, 1)).toEqual([e2])
    expect(await ctx.store.after({ owner: 'bob', taskId: task.id }, 0, 10)).toEqual([])
    expect(await ctx.store.after({ owner: 'alice', taskId: 'unknown' }, 0, 10)).toEqual([])
  })

  it('replays the same events as stored JSON text, for the owner and for one task', async () => {
    const { task, event: e1 } = await add(ctx.store)
    const { event: other } = await add(ctx.store, { owner: 'bob' })
    const { event: e2 } = await advance(ctx.store, task, { status: 'processing', progress: 30 })
    const stored = (e: TaskEvent): StoredEvent => ({ id: e.id, type: e.type, data: JSON.stringify(e.task) })
    const plain = (events: StoredEvent[]): StoredEvent[] => events.map(({ id, type, data }) => ({ id, type, data }))
    expect(plain(await ctx.store.afterStored({ owner: 'alice' }, 0, 10))).toEqual([stored(e1), stored(e2)])
    expect(plain(await ctx.peer.afterStored({ owner: 'alice' }, e1.id, 10))).toEqual([stored(e2)])
    expect(plain(await ctx.store.afterStored({ owner: 'alice', taskId: task.id }, 0, 1))).toEqual([stored(e1)])
    expect(plain(await ctx.store.afterStored({ owner: 'bob' }, 0, 10))).toEqual([stored(other)])
    expect(await ctx.store.afterStored({ owner: 'bob', taskId: task.id }, 0, 10)).toEqual([])
  })

  it('gives the newest event of a task', async () => {
    const { task, event: first } = await add(ctx.store)
    expect(await ctx.store.latest(task.id)).toEqual(first)
    const { task: next, event } = await advance(ctx.store, task, { status: 'processing' })
    await add(ctx.store)
    expect(await ctx.peer.latest(task.id)).toEqual(event)
    await ctx.store.update({ ...next, progress: 70, version: next.version + 1 }, false)
    expect(await ctx.store.latest(task.id)).toEqual(event)
  })

  it('snapshots the newest event of each unfinished task, ascending, with the highest id', async () => {
    const { task: t1 } = await add(ctx.store)
    const { task: t2 } = await add(ctx.store)
    const { event: e3 } = await add(ctx.store)
    const { event: e1 } = await advance(ctx.store, t1, { status: 'processing', progress: 40 })
    await advance(ctx.store, t2, { status: 'failed', nextCheckAt: null })
    const { event: bobs } = await add(ctx.store, { owner: 'bob' })
    const snap = await ctx.store.snapshot('alice')
    expect(snap).toEqual({ events: [e3, e1], lastId: bobs.id })
    expect(await ctx.peer.snapshot('carol')).toEqual({ events: [], lastId: bobs.id })
    expect(await ctx.store.snapshot('bob')).toEqual({ events: [bobs], lastId: bobs.id })
  })

  it('numbers events with ids that only increase, whichever instance writes', async () => {
    const events = []
    let { task, event } = await add(ctx.store)
    events.push(event)
    for (let i = 0; i < 6; i++) {
      const writer = i % 2 === 0 ? ctx.peer : ctx.store
      ;({ task, event } = await advance(writer, task, { progress: i * 10 + 10, status: 'processing' }))
      events.push(event)
      events.push((await add(writer, { owner: i % 3 === 0 ? 'bob' : 'alice' })).event)
    }
    expectAscending(events)
    expect(eventIds(await ctx.store.after({ owner: 'alice', taskId: task.id }, 0, 100))).toEqual(eventIds(events.filter((e) => e.task.id === task.id)))
  })
}

/** What live delivery relies on: a reader never sees an id before every lower id is readable. */
export function eventVisibilityCases (ctx: StoreContext): void {
  it('reports the highest committed id, on every instance', async () => {
    expect(await ctx.store.lastId()).toBe(0)
    const { task } = await add(ctx.store)
    const { event } = await advance(ctx.peer, task, { status: 'processing' })
    expect(await ctx.store.lastId()).toBe(event.id)
    expect(await ctx.peer.lastId()).toBe(event.id)
  })

  it('makes ids visible in id order while two instances append concurrently', async () => {
    const writes = Array.from({ length: 60 }, (_, i) => add(i % 2 === 0 ? ctx.store : ctx.peer))
    let checks = 0
    let done = false
    void Promise.allSettled(writes).then(() => { done = true })
    while (!done || checks === 0) {
      const reader = checks % 2 === 0 ? ctx.store : ctx.peer
      const upTo = await reader.lastId()
      const seen = eventIds(await reader.after({ owner: 'alice' }, 0, 1000))
      // One owner only: its ids are 1..n, so a prefix must be complete up to what lastId promised.
      expect(seen.slice(0, upTo)).toEqual(Array.from({ length: upTo }, (_, i) => i + 1))
      checks++
      // SQLite answers reads at once; let its group commit run between checks.
      await new Promise((resolve) => setImmediate(resolve))
    }
    await Promise.all(writes)
    expect(await ctx.store.lastId()).toBe(60)
  })
}
