import { expect, it } from 'vitest'
import { add, advance, ids, type StoreContext } from './fixtures.ts'

export function metadataCases (ctx: StoreContext): void {
  it('keeps a task\'s metadata, in the record and in its events', async () => {
    const { task, event } = await add(ctx.store, { metadata: { orderId: 'o-1', note: 'ünïcode & spaces' } })
    expect(event.task.metadata).toEqual({ orderId: 'o-1', note: 'ünïcode & spaces' })
    expect((await ctx.peer.get(task.id))?.metadata).toEqual({ orderId: 'o-1', note: 'ünïcode & spaces' })
    const { event: later } = await advance(ctx.store, task, { status: 'processing', progress: 10 })
    expect(later.task.metadata).toEqual({ orderId: 'o-1', note: 'ünïcode & spaces' })
    const { task: plain, event: plainEvent } = await add(ctx.store)
    expect(plainEvent.task.metadata).toEqual({})
    expect((await ctx.store.get(plain.id))?.metadata ?? {}).toEqual({})
  })

  it('filters by one metadata key and value, newest first, across pages, per owner', async () => {
    const wanted: string[] = []
    for (let i = 0; i < 5; i++) {
      wanted.push((await add(ctx.store, { metadata: { order: 'o-7', n: String(i) } })).task.id)
      await add(ctx.store, { metadata: { order: 'o-8' } })
      await add(ctx.store, { metadata: { other: 'o-7' } })
    }
    await add(ctx.store, { owner: 'bob', metadata: { order: 'o-7' } })
    const seen: string[] = []
    let cursor: string | undefined
    for (let i = 0; i < 10; i++) {
      const page = await ctx.store.list({ owner: 'alice', metadata: { key: 'order', value: 'o-7' }, limit: 2, cursor })
      seen.push(...ids(page.items))
      cursor = page.nextCursor ?? undefined
      if (!cursor) break
    }
    expect(seen).toEqual([...wanted].reverse())
    expect(ids((await ctx.peer.list({ owner: 'bob', metadata: { key: 'order', value: 'o-7' }, limit: 10 })).items)).toHaveLength(1)
    expect((await ctx.store.list({ owner: 'alice', metadata: { key: 'order', value: 'o-9' }, limit: 10 })).items).toEqual([])
    // A value is matched exactly, not as a prefix.
    expect((await ctx.store.list({ owner: 'alice', metadata: { key: 'order', value: 'o-' }, limit: 10 })).items).toEqual([])
  })

  it('combines a metadata filter with the status and capability filters', async () => {
    const a = (await add(ctx.store, { metadata: { user: 'u1' } })).task
    const b = (await add(ctx.store, { metadata: { user: 'u1' }, capability: 'text-to-music' })).task
    await add(ctx.store, { metadata: { user: 'u2' } })
    await advance(ctx.store, a, { status: 'failed', error: { code: 'BFF_ERR_TASK_FAILED', message: 'no' }, nextCheckAt: null })
    const m = { key: 'user', value: 'u1' }
    expect(ids((await ctx.store.list({ owner: 'alice', metadata: m, status: 'failed', limit: 10 })).items)).toEqual([a.id])
    expect(ids((await ctx.store.list({ owner: 'alice', metadata: m, capability: 'text-to-music', limit: 10 })).items)).toEqual([b.id])
    expect(ids((await ctx.store.list({ owner: 'alice', metadata: m, status: 'queued', capability: 'text-to-music', limit: 10 })).items)).toEqual([b.id])
    expect((await ctx.store.list({ owner: 'alice', metadata: m, status: 'succeeded', limit: 10 })).items).toEqual([])
  })
}
