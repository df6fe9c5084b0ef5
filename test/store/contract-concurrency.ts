import { expect, it } from 'vitest'
import { add, bump, createOpts, makeTask, type StoreContext } from './fixtures.ts'

const N = 20

export function concurrencyCases (ctx: StoreContext): void {
  const writer = (i: number) => i % 2 === 0 ? ctx.store : ctx.peer

  it('creates exactly one task from concurrent requests with one idempotency key', async () => {
    const idempotency = { key: 'same-request', bodyHash: 'h', expiresAt: Date.now() + 60_000 }
    const tasks = Array.from({ length: N }, () => makeTask())
    const results = await Promise.all(tasks.map((t, i) => writer(i).create(t, createOpts({ idempotency }))))
    const created = results.flatMap((r, i) => r.kind === 'created' ? [tasks[i]!.id] : [])
    expect(created).toHaveLength(1)
    expect(results.filter((r) => r.kind === 'duplicate')).toEqual(Array(N - 1).fill({ kind: 'duplicate', taskId: created[0], sameBody: true }))
    expect((await ctx.store.list({ owner: 'alice', limit: N })).items.map((t) => t.id)).toEqual(created)
    expect(await ctx.store.after({ owner: 'alice' }, 0, N)).toHaveLength(1)
  })

  it('lets exactly one of concurrent updates from one version win', async () => {
    const { task } = await add(ctx.store)
    const attempts = Array.from({ length: N }, (_, i) => bump(task, { status: 'processing', progress: i + 1 }))
    const results = await Promise.all(attempts.map((next, i) => writer(i).update(next, true)))
    const winners = results.flatMap((r, i) => r === null ? [] : [attempts[i]!])
    expect(winners).toHaveLength(1)
    expect(await ctx.store.get(task.id)).toEqual(winners[0])
    expect(await ctx.store.after({ owner: 'alice', taskId: task.id }, 0, N)).toHaveLength(2)
  })

  it('admits exactly the cap from concurrent creates', async () => {
    const results = await Promise.all(Array.from({ length: N }, (_, i) => writer(i).create(makeTask(), createOpts({ maxActive: 3 }))))
    expect(results.filter((r) => r.kind === 'created')).toHaveLength(3)
    expect(results.filter((r) => r.kind === 'over-limit')).toHaveLength(N - 3)
  })

  it('gives concurrent writes distinct, increasing event ids in the log', async () => {
    const results = await Promise.all(Array.from({ length: N }, (_, i) => writer(i).create(makeTask(), createOpts())))
    const ids = results.map((r) => r.kind === 'created' ? r.event.id : 0)
    expect(new Set(ids).size).toBe(N)
    const logged = (await ctx.store.after({ owner: 'alice' }, 0, N)).map((e) => e.id)
    expect(logged).toEqual([...ids].sort((a, b) => a - b))
  })
}
