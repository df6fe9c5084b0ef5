import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRedisStore } from '../../src/store/redis.ts'
import { createSqliteStore } from '../../src/store/sqlite.ts'
import type { DeliveryStore, EventLog, OutboxRouting, TaskStore } from '../../src/store/types.ts'
import { dropPrefix, redisAvailable, testPrefix } from '../redis-helper.ts'
import { connectRedis } from '../store/redis-connection.ts'
import { advance, createOpts, makeTask } from '../store/fixtures.ts'

type Store = TaskStore & EventLog & DeliveryStore
const available = await redisAvailable()
const prefix = testPrefix()
let conn: Redis | undefined
beforeAll(async () => { if (available) conn = await connectRedis() })
afterAll(async () => {
  if (!available) return
  await dropPrefix(prefix)
  await conn?.quit()
})

const routing = (): OutboxRouting & { woken: number } => {
  const r = {
    woken: 0,
    taskWebhooks: true,
    endpoints: (owner: string, type: string) => ['ep1', ...(type === 'task.succeeded' && owner === 'alice' ? ['ep2'] : [])],
    enqueued: () => { r.woken++ }
  }
  return r
}

let n = 0
const backends: [string, boolean, (r: OutboxRouting) => Store][] = [
  ['sqlite', false, (r) => createSqliteStore(':memory:', { outbox: r })],
  ['redis', !available, (r) => createRedisStore(conn!, { prefix: `${prefix}:${++n}:`, maxEventsPerOwner: 100, maxEventsPerTask: 100, outbox: r })]
]

describe.each(backends)('the webhook outbox (%s)', (_name, skip, open) => {
  it.skipIf(skip)('writes one message per event and endpoint with the event, leases claims, and records attempts', async () => {
    const r = routing()
    const store = open(r)
    const task = makeTask()
    const created = await store.create(task, createOpts({ webhookUrl: 'https://hooks.example.com/t' }))
    if (created.kind !== 'created') throw new Error(created.kind)
    const done = await advance(store, task, { status: 'succeeded', progress: 100 })
    // A write without an event enqueues nothing.
    expect(await store.update({ ...done.task, version: done.task.version + 1, checkAttempts: 3 }, false)).toBe(true)
    await new Promise((resolve) => setImmediate(resolve))
    expect(r.woken).toBeGreaterThan(0)

    const listed = await store.deliveries(task.id, 100)
    const id = (eventId: number, ep: string): string => `msg_${task.id}_${eventId}_${ep}`
    expect(listed.map((m) => m.id)).toEqual(expect.arrayContaining([
      id(created.event.id, 'ep1'), id(created.event.id, 'task'), id(done.event.id, 'ep1'), id(done.event.id, 'ep2'), id(done.event.id, 'task')
    ]))
    expect(listed).toHaveLength(5)
    expect(listed.find((m) => m.endpoint === 'task')).toMatchObject({ url: 'https://hooks.example.com/t', state: 'pending', attempts: 0 })
    expect(JSON.parse(listed.find((m) => m.id === id(done.event.id, 'ep2'))!.data)).toMatchObject({ id: task.id, status: 'succeeded' })

    const now = Date.now()
    const first = await store.claimDeliveries(now, 3, now + 60_000, 'a')
    const second = await store.claimDeliveries(now, 10, now + 60_000, 'b')
    expect(first).toHaveLength(3)
    expect(second).toHaveLength(2)
    expect(new Set([...first, ...second].map((m) => m.id)).size).toBe(5)
    expect(await store.claimDeliveries(now, 10, now + 60_000, 'c')).toEqual([])

    const [m] = first
    expect(await store.recordAttempt(m!.id, 'b', { at: now, status: 200, error: null, state: 'delivered', nextAttemptAt: null })).toBe(false)
    expect(await store.recordAttempt(m!.id, 'a', { at: now, status: 500, error: 'answered 500', state: 'pending', nextAttemptAt: now + 10 })).toBe(true)
    const again = await store.claimDeliveries(now + 20, 10, now + 60_000, 'c')
    expect(again.map((x) => x.id)).toEqual([m!.id])
    expect(again[0]).toMatchObject({ attempts: 1, lastStatus: 500, lastError: 'answered 500' })
    expect(await store.recordAttempt(m!.id, 'c', { at: now + 20, status: 204, error: null, state: 'delivered', nextAttemptAt: null })).toBe(true)
    expect((await store.deliveries(task.id, 100)).find((x) => x.id === m!.id)).toMatchObject({ state: 'delivered', attempts: 2, lastStatus: 204, nextAttemptAt: null })

    // A lease that ran out is claimed by someone else; the old holder's record is then ignored.
    const [late] = second
    const taken = await store.claimDeliveries(now + 61_000, 10, now + 120_000, 'd')
    expect(taken.map((x) => x.id)).toContain(late!.id)
    expect(await store.recordAttempt(late!.id, 'b', { at: now, status: 204, error: null, state: 'delivered', nextAttemptAt: null })).toBe(false)

    expect(await store.redeliver(task.id, m!.id, now + 30)).toMatchObject({ state: 'pending', attempts: 0 })
    expect(await store.redeliver('other-task', m!.id, now)).toBeNull()
    expect((await store.claimDeliveries(now + 30, 10, now + 90_000, 'e')).map((x) => x.id)).toEqual([m!.id])
    await store.close()
  })
})
