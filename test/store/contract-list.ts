import { expect, it } from 'vitest'
import { add, advance, ids, makeTask, type StoreContext } from './fixtures.ts'

export function listCases (ctx: StoreContext): void {
  it('lists newest first, pages with an opaque cursor and ends with a null cursor', async () => {
    const made = []
    for (let i = 0; i < 5; i++) made.push((await add(ctx.store)).task.id)
    const [t1, t2, t3, t4, t5] = made
    const p1 = await ctx.store.list({ owner: 'alice', limit: 2 })
    expect(ids(p1.items)).toEqual([t5, t4])
    expect(p1.nextCursor).toEqual(expect.any(String))
    const p2 = await ctx.store.list({ owner: 'alice', limit: 2, cursor: p1.nextCursor! })
    expect(ids(p2.items)).toEqual([t3, t2])
    const p3 = await ctx.store.list({ owner: 'alice', limit: 2, cursor: p2.nextCursor! })
    expect(ids(p3.items)).toEqual([t1])
    expect(p3.nextCursor).toBeNull()
    // A last page that is exactly full has no next page either.
    const p4 = await ctx.store.list({ owner: 'alice', limit: 4, cursor: p1.nextCursor! })
    expect(ids(p4.items)).toEqual([t3, t2, t1])
    expect((await ctx.store.list({ owner: 'alice', limit: 5 })).nextCursor).toBeNull()
    expect(await ctx.store.list({ owner: 'nobody', limit: 5 })).toEqual({ items: [], nextCursor: null })
  })

  it('orders tasks created at the same instant by id, descending, across pages', async () => {
    const at = '2026-02-01T10:00:00.000Z'
    await add(ctx.store, { id: 'same-b', createdAt: at })
    await add(ctx.store, { id: 'same-d', createdAt: at })
    await add(ctx.store, { id: 'older', createdAt: '2026-02-01T09:59:59.999Z' })
    await add(ctx.store, { id: 'same-a', createdAt: at })
    await add(ctx.store, { id: 'newer', createdAt: '2026-02-01T10:00:00.001Z' })
    await add(ctx.store, { id: 'same-c', createdAt: at })
    const seen: string[] = []
    let cursor: string | undefined
    // Bounded, so a cursor that never advances fails instead of looping.
    for (let i = 0; i < 10; i++) {
      const page = await ctx.store.list({ owner: 'alice', limit: 1, cursor })
      seen.push(...ids(page.items))
      cursor = page.nextCursor ?? undefined
      if (!cursor) break
    }
    expect(seen).toEqual(['newer', 'same-d', 'same-c', 'same-b', 'same-a', 'older'])
  })

  it('filters by status and capability, alone and together, within the owner', async () => {
    const { task: t1 } = await add(ctx.store)
    const { task: t2 } = await add(ctx.store)
    const { task: t3 } = await add(ctx.store, { capability: 'text-to-image' })
    const { task: t4 } = await add(ctx.store, { capability: 'text-to-image' })
    const { task: t5 } = await add(ctx.store, { owner: 'bob' })
    await advance(ctx.store, t2, { status: 'succeeded', progress: 100, nextCheckAt: null })
    const { task: t4b } = await advance(ctx.store, t4, { status: 'processing' })
    await advance(ctx.store, t4b, { status: 'failed', nextCheckAt: null })
    const list = async (q: { status?: 'queued' | 'succeeded' | 'failed' | 'processing', capability?: string, owner?: string }) =>
      ids((await ctx.store.list({ owner: 'alice', limit: 10, ...q })).items)

    expect(await list({ status: 'queued' })).toEqual([t3.id, t1.id])
    expect(await list({ status: 'succeeded' })).toEqual([t2.id])
    expect(await list({ status: 'failed' })).toEqual([t4.id])
    expect(await list({ status: 'processing' })).toEqual([])
    expect(await list({ capability: 'text-to-speech' })).toEqual([t2.id, t1.id])
    expect(await list({ capability: 'text-to-image', status: 'queued' })).toEqual([t3.id])
    expect(await list({ capability: 'text-to-speech', status: 'failed' })).toEqual([])
    expect(await list({ capability: 'no-such-thing' })).toEqual([])
    expect(await list({ owner: 'bob' })).toEqual([t5.id])
    expect(await list({ owner: 'bob', capability: 'text-to-image' })).toEqual([])

    const first = await ctx.store.list({ owner: 'alice', status: 'queued', limit: 1 })
    expect(ids(first.items)).toEqual([t3.id])
    const second = await ctx.store.list({ owner: 'alice', status: 'queued', limit: 1, cursor: first.nextCursor! })
    expect(ids(second.items)).toEqual([t1.id])
    expect(second.nextCursor).toBeNull()
  })

  it('returns the stored records in full', async () => {
    const { task } = await add(ctx.store, { input: { text: 'ünïcödé ✓', nested: { a: [1, 2] } }, upstreamTaskId: 'up-1' })
    expect((await ctx.store.list({ owner: 'alice', limit: 1 })).items).toEqual([task])
  })

  it('treats a malformed cursor as the first page', async () => {
    for (let i = 0; i < 3; i++) await add(ctx.store)
    const first = await ctx.store.list({ owner: 'alice', limit: 2 })
    const b64 = (s: string): string => Buffer.from(s).toString('base64url')
    for (const cursor of ['garbage', '!!!', '', b64('{"a":1}'), b64('[1,2]'), b64('["x"]'), b64('not json')]) {
      expect(await ctx.store.list({ owner: 'alice', limit: 2, cursor })).toEqual(first)
    }
  })

  it('lists a task under its new status only, after each change', async () => {
    const task = makeTask()
    await ctx.store.create(task, { maxActive: 10, now: 0 })
    const { task: next } = await advance(ctx.store, task, { status: 'processing' })
    expect(ids((await ctx.store.list({ owner: 'alice', status: 'queued', limit: 5 })).items)).toEqual([])
    expect(ids((await ctx.store.list({ owner: 'alice', status: 'processing', limit: 5 })).items)).toEqual([task.id])
    await advance(ctx.store, next, { status: 'canceled', nextCheckAt: null })
    expect(ids((await ctx.store.list({ owner: 'alice', status: 'processing', limit: 5 })).items)).toEqual([])
    expect(ids((await ctx.store.list({ owner: 'alice', status: 'canceled', limit: 5 })).items)).toEqual([task.id])
  })
}
