import { expect, it } from 'vitest'
import { UpstreamIdTakenError } from '../../src/store/types.ts'
import { toPublicTask } from '../../src/tasks/model.ts'
import { add, advance, BASE, bump, createOpts, ids, makeTask, type StoreContext } from './fixtures.ts'

export function taskCases (ctx: StoreContext): void {
  it('creates a task with its first event and reads it back', async () => {
    const task = makeTask({ input: { text: 'hi', n: 1.5, list: [true, null] } })
    const result = await ctx.store.create(task, createOpts())
    expect(result).toEqual({ kind: 'created', event: { id: expect.any(Number), owner: 'alice', type: 'task.queued', task: toPublicTask(task) } })
    expect(await ctx.store.get(task.id)).toEqual(task)
    expect(await ctx.peer.get(task.id)).toEqual(task)
    expect(await ctx.store.get('no-such-task')).toBeUndefined()
  })

  it('refuses a second task with the same id', async () => {
    const { task, event } = await add(ctx.store)
    await expect(ctx.store.create({ ...task, progress: 5 }, createOpts())).rejects.toThrow()
    expect(await ctx.store.get(task.id)).toEqual(task)
    expect(await ctx.store.latest(task.id)).toEqual(event)
  })

  it('replaces a task only from the version before it (compare-and-set)', async () => {
    const { task } = await add(ctx.store)
    const winner = bump(task, { status: 'processing', progress: 10 })
    expect(await ctx.store.update(winner, false)).toBe(true)
    expect(await ctx.peer.update(bump(task, { progress: 99 }), false)).toBeNull()
    expect(await ctx.store.update({ ...winner, version: 4 }, true)).toBeNull()
    expect(await ctx.store.update({ ...winner, version: 2 }, true)).toBeNull()
    expect(await ctx.store.update(makeTask({ version: 2 }), true)).toBeNull()
    expect(await ctx.store.get(task.id)).toEqual(winner)
    const third = bump(winner, { progress: 50, upstreamTaskId: 'up-9', checkAttempts: 2, error: null })
    expect(await ctx.peer.update(third, false)).toBe(true)
    expect(await ctx.store.get(task.id)).toEqual(third)
  })

  it('binds an upstream task id to one task only', async () => {
    const { task: first } = await add(ctx.store)
    const { task: second, event: secondEvent } = await add(ctx.store)
    const bound = bump(first, { upstreamTaskId: 'up-shared' })
    expect(await ctx.store.update(bound, false)).toBe(true)
    // Another task, through either connection, with or without an event: refused, nothing written.
    await expect(ctx.peer.update(bump(second, { upstreamTaskId: 'up-shared', status: 'succeeded', progress: 100 }), true)).rejects.toBeInstanceOf(UpstreamIdTakenError)
    await expect(ctx.store.update(bump(second, { upstreamTaskId: 'up-shared' }), false)).rejects.toBeInstanceOf(UpstreamIdTakenError)
    expect(await ctx.store.get(second.id)).toEqual(second)
    expect(await ctx.store.latest(second.id)).toEqual(secondEvent)
    // The task it is bound to keeps writing, and the other task can take an id of its own.
    expect(await ctx.store.update(bump(bound, { progress: 40 }), false)).toBe(true)
    expect(await ctx.store.update(bump(second, { upstreamTaskId: 'up-other' }), false)).toBe(true)
  })

  it('appends an event only when asked to', async () => {
    const { task, event: first } = await add(ctx.store)
    const quiet = bump(task, { progress: 5 })
    expect(await ctx.store.update(quiet, false)).toBe(true)
    expect(await ctx.store.latest(task.id)).toEqual(first)
    expect(await ctx.store.after({ owner: 'alice' }, first.id, 10)).toEqual([])
    const loud = bump(quiet, { status: 'processing', progress: 20 })
    const event = await ctx.store.update(loud, true)
    expect(event).toEqual({ id: expect.any(Number), owner: 'alice', type: 'task.processing', task: toPublicTask(loud) })
    if (event === null || event === true) throw new Error('no event')
    expect(event.id).toBeGreaterThan(first.id)
    expect(await ctx.store.latest(task.id)).toEqual(event)
    expect(await ctx.store.after({ owner: 'alice' }, first.id, 10)).toEqual([event])
  })

  it('caps the unfinished tasks per owner, counting queued and processing ones', async () => {
    const cap = createOpts({ maxActive: 2 })
    const a = makeTask()
    const b = makeTask()
    expect((await ctx.store.create(a, cap)).kind).toBe('created')
    expect((await ctx.store.create(b, cap)).kind).toBe('created')
    await advance(ctx.store, a, { status: 'processing' })
    const refused = makeTask()
    expect(await ctx.store.create(refused, cap)).toEqual({ kind: 'over-limit' })
    expect(await ctx.store.get(refused.id)).toBeUndefined()
    expect(await ctx.store.latest(refused.id)).toBeUndefined()
    expect(await ctx.store.list({ owner: 'alice', limit: 10 })).toMatchObject({ items: [{ id: b.id }, { id: a.id }] })
    expect((await ctx.store.create(makeTask({ owner: 'bob' }), cap)).kind).toBe('created')
    await advance(ctx.store, b, { status: 'succeeded', nextCheckAt: null })
    expect((await ctx.store.create(makeTask(), cap)).kind).toBe('created')
    expect((await ctx.store.create(makeTask(), cap)).kind).toBe('over-limit')
    expect((await ctx.store.create(makeTask(), createOpts({ maxActive: 0 }))).kind).toBe('over-limit')
  })

  it('answers a live idempotency key with the first task and writes nothing', async () => {
    const key = (bodyHash: string) => ({ key: 'req-1', bodyHash, expiresAt: BASE + 60_000 })
    const first = makeTask()
    expect((await ctx.store.create(first, createOpts({ idempotency: key('h1') }))).kind).toBe('created')
    const again = makeTask()
    expect(await ctx.store.create(again, createOpts({ idempotency: key('h1'), now: BASE + 1000 }))).toEqual({ kind: 'duplicate', taskId: first.id, sameBody: true })
    expect(await ctx.peer.create(again, createOpts({ idempotency: key('h2'), now: BASE + 1000 }))).toEqual({ kind: 'duplicate', taskId: first.id, sameBody: false })
    // The key is checked before the cap: a retry of an accepted request is not over the limit.
    expect(await ctx.store.create(again, createOpts({ idempotency: key('h1'), maxActive: 0 }))).toEqual({ kind: 'duplicate', taskId: first.id, sameBody: true })
    expect(await ctx.store.get(again.id)).toBeUndefined()
    expect(ids((await ctx.store.list({ owner: 'alice', limit: 10 })).items)).toEqual([first.id])
    expect(await ctx.store.after({ owner: 'alice' }, 0, 10)).toHaveLength(1)
    // Keys belong to one owner.
    expect((await ctx.store.create(makeTask({ owner: 'bob' }), createOpts({ idempotency: key('h1') }))).kind).toBe('created')
    expect((await ctx.store.create(makeTask(), createOpts({ idempotency: { ...key('h1'), key: 'req-2' } }))).kind).toBe('created')
  })

  it('forgets an idempotency key once it has expired', async () => {
    const idempotency = { key: 'req-x', bodyHash: 'h', expiresAt: BASE + 5_000 }
    const first = makeTask()
    await ctx.store.create(first, createOpts({ idempotency }))
    expect((await ctx.store.create(makeTask(), createOpts({ idempotency, now: BASE + 4_999 }))).kind).toBe('duplicate')
    const second = makeTask()
    const renewed = { ...idempotency, expiresAt: BASE + 20_000 }
    expect((await ctx.store.create(second, createOpts({ idempotency: renewed, now: BASE + 5_000 }))).kind).toBe('created')
    // The key now points at the task that renewed it.
    expect(await ctx.store.create(makeTask(), createOpts({ idempotency: renewed, now: BASE + 6_000 }))).toEqual({ kind: 'duplicate', taskId: second.id, sameBody: true })
    const purged = await ctx.store.purgeIdempotency(BASE + 30_000)
    expect(purged).toBeGreaterThanOrEqual(0)
    expect((await ctx.store.create(makeTask(), createOpts({ idempotency: renewed, now: BASE + 30_000 }))).kind).toBe('created')
  })

  it('hands out due tasks earliest first and drops finished ones', async () => {
    const { task: late } = await add(ctx.store, { nextCheckAt: BASE + 300 })
    const { task: early } = await add(ctx.store, { nextCheckAt: BASE + 100 })
    const { task: middle } = await add(ctx.store, { nextCheckAt: BASE + 200 })
    await add(ctx.store, { nextCheckAt: null })
    await add(ctx.store, { owner: 'bob', nextCheckAt: BASE + 10_000 })
    expect(ids(await ctx.store.due(BASE + 250, 10))).toEqual([early.id, middle.id])
    expect(ids(await ctx.store.due(BASE + 1_000, 2))).toEqual([early.id, middle.id])
    expect(await ctx.store.due(BASE + 99, 10)).toEqual([])
    expect(await ctx.store.due(BASE + 100, 10)).toEqual([early])
    await advance(ctx.store, early, { status: 'succeeded', nextCheckAt: null })
    const moved = bump(middle, { nextCheckAt: BASE + 20_000, checkAttempts: 1 })
    expect(await ctx.store.update(moved, false)).toBe(true)
    expect(ids(await ctx.peer.due(BASE + 1_000, 10))).toEqual([late.id])
    expect(ids(await ctx.store.due(BASE + 30_000, 10))).toEqual([late.id, expect.any(String), middle.id])
    expect((await ctx.store.due(BASE + 30_000, 10))[2]).toEqual(moved)
  })

  it('stores the same record whether or not the writer passes the version it replaced', async () => {
    const { task } = await add(ctx.store)
    // Each step changes a different part; every one must land in full and be found by its index.
    const steps: Partial<typeof task>[] = [
      { upstreamTaskId: 'up-prev', nextCheckAt: BASE + 90_000 },
      { status: 'processing', progress: 10 },
      { progress: 55, checkAttempts: 2, callbackTokenHash: 'beef' },
      { status: 'succeeded', progress: 100, nextCheckAt: null, outputs: [{ type: 'audio', url: 'https://cdn.example/a.mp3' }] }
    ]
    let current = task
    for (const changes of steps) {
      const next = bump(current, changes)
      expect(await ctx.store.update(next, true, current)).toMatchObject({ task: toPublicTask(next) })
      expect(await ctx.peer.get(task.id)).toEqual(next)
      current = next
    }
    expect(ids((await ctx.store.list({ owner: 'alice', status: 'succeeded', limit: 10 })).items)).toContain(task.id)
    // A stale or foreign `prev` is no shortcut: the compare-and-set still decides.
    expect(await ctx.store.update(bump(task, { progress: 1 }), true, task)).toBeNull()
    expect(await ctx.store.get(task.id)).toEqual(current)
  })

  it('answers a ping', async () => {
    await expect(ctx.store.ping()).resolves.toBeUndefined()
  })
}
