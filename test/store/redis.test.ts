import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRedisStore, type RedisStore } from '../../src/store/redis.ts'
import { dropPrefix, redisAvailable, testPrefix } from '../redis-helper.ts'
import { runStoreContract } from './contract.ts'
import { add, advance, createOpts, makeTask } from './fixtures.ts'
import { connectRedis, keysContaining } from './redis-connection.ts'

// Throws under CI when Redis is missing, so the suite fails there instead of skipping.
const available = await redisAvailable()
const filePrefix = testPrefix()
let seq = 0
let conn: Redis
let other: Redis

beforeAll(async () => {
  if (!available) return
  conn = await connectRedis()
  other = await connectRedis()
})
afterAll(async () => {
  if (!available) return
  await dropPrefix(filePrefix)
  await Promise.allSettled([conn.quit(), other.quit()])
})

const bounds = { maxEventsPerOwner: 10_000, maxEventsPerTask: 1_000 }
const freshPrefix = (): string => `${filePrefix}:${++seq}:`

runStoreContract('redis', async () => {
  const prefix = freshPrefix()
  return {
    store: createRedisStore(conn, { prefix, ...bounds }),
    peer: createRedisStore(other, { prefix, ...bounds }),
    async close () {}
  }
}, { skip: !available })

describe.skipIf(!available)('redis store specifics', () => {
  it('keeps about the bound of events per stream, and the oldest kept id moves forward', async () => {
    const store: RedisStore = createRedisStore(conn, { prefix: freshPrefix(), maxEventsPerOwner: 30, maxEventsPerTask: 10 })
    let { task, event: first } = await add(store)
    const filter = { owner: 'alice', taskId: task.id }
    expect(await store.oldestEventId(filter)).toBe(first.id)
    expect(await store.trimmedThrough(filter)).toBe(0)
    expect(await store.oldestEventId({ owner: 'alice', taskId: 'none' })).toBeNull()
    expect(await store.trimmedThrough({ owner: 'nobody' })).toBe(0)

    const oldest: number[] = []
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 150; i++) ({ task } = await advance(store, task, { status: 'processing', progress: i % 100 }))
      oldest.push((await store.oldestEventId(filter))!)
    }
    expect(oldest[0]).toBeGreaterThan(first.id)
    expect(oldest[1]).toBeGreaterThan(oldest[0]!)
    expect(oldest[2]).toBeGreaterThan(oldest[1]!)

    // Approximate trimming drops whole stream nodes (stream-node-max-entries, 100 by default).
    const slack = 100
    const kept = await store.after(filter, 0, 10_000)
    expect(kept.length).toBeGreaterThanOrEqual(10)
    expect(kept.length).toBeLessThanOrEqual(10 + slack)
    expect(kept[0]!.id).toBe(oldest[2])
    expect(await store.trimmedThrough(filter)).toBe(oldest[2]! - 1)
    const ownerKept = await store.after({ owner: 'alice' }, 0, 10_000)
    expect(ownerKept.length).toBeLessThanOrEqual(30 + slack)
    expect(await store.trimmedThrough({ owner: 'alice' })).toBe(ownerKept[0]!.id - 1)
    // What a resuming client needs still works on a trimmed log.
    expect((await store.latest(task.id))!.task.progress).toBe(149 % 100)
    expect((await store.snapshot('alice')).events).toEqual([await store.latest(task.id)])
    expect(await store.after(filter, 1, 1)).toEqual([kept[0]])
  })

  it('keeps every key under one hash tag, with owners encoded', async () => {
    const prefix = freshPrefix()
    const store = createRedisStore(conn, { prefix, ...bounds })
    const { task } = await add(store, { owner: 'team:x {y}' })
    await store.create(makeTask({ owner: 'team:x {y}' }), createOpts({ idempotency: { key: 'k:1', bodyHash: 'h', expiresAt: Date.now() + 60_000 } }))
    await advance(store, task, { status: 'succeeded', nextCheckAt: null })
    const tag = `{${prefix.slice(0, -1)}}:`
    const keys = await keysContaining(conn, prefix.slice(0, -1))
    expect(keys.length).toBeGreaterThan(5)
    for (const key of keys) expect(key.startsWith(tag)).toBe(true)
    expect(keys.some((key) => key.includes('team%3Ax%20%7By%7D'))).toBe(true)
    expect(keys.some((key) => key.includes('team:x'))).toBe(false)
    expect((await store.list({ owner: 'team:x {y}', status: 'succeeded', limit: 5 })).items).toHaveLength(1)
  })

  it('lets idempotency keys expire by themselves', async () => {
    const prefix = freshPrefix()
    const store = createRedisStore(conn, { prefix, ...bounds })
    const now = Date.now()
    await store.create(makeTask(), createOpts({ now, idempotency: { key: 'ttl', bodyHash: 'h', expiresAt: now + 60_000 } }))
    const [key] = (await keysContaining(conn, prefix.slice(0, -1))).filter((k) => k.includes(':idem:'))
    const ttl = await conn.pttl(key!)
    expect(ttl).toBeGreaterThan(55_000)
    expect(ttl).toBeLessThanOrEqual(60_000)
    expect(await store.purgeIdempotency(now + 120_000)).toBe(0)
  })

  it('rejects prefixes that would break the hash tag', () => {
    expect(() => createRedisStore(conn, { prefix: 'a{b}', ...bounds })).toThrow()
    expect(() => createRedisStore(conn, { prefix: '', ...bounds })).toThrow()
  })
})
