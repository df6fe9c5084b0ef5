import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRedisTokenBucket } from '../../src/polling/redis-token-bucket.ts'
import { redisKeys } from '../../src/store/redis-keys.ts'
import { dropPrefix, REDIS_URL, redisAvailable, testPrefix } from '../redis-helper.ts'

const available = await redisAvailable()

describe.skipIf(!available)('the Redis token bucket', () => {
  const prefix = testPrefix()
  let redis: Redis

  beforeAll(() => { redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 }) })
  afterAll(async () => {
    await dropPrefix(prefix)
    redis.disconnect()
  })

  it('lets a burst through, then says how long until the next token', async () => {
    const bucket = createRedisTokenBucket(redis, redisKeys(prefix).pollBudget('burst'), { ratePerSec: 2, burst: 3 })
    const waits = [await bucket.take(0), await bucket.take(0), await bucket.take(0), await bucket.take(0)]
    expect(waits.slice(0, 3)).toEqual([0, 0, 0])
    // Two tokens a second: the next one is at most 500 ms away.
    expect(waits[3]).toBeGreaterThan(0)
    expect(waits[3]).toBeLessThanOrEqual(500)
  })

  it('is one budget for every instance that shares the key', async () => {
    const key = redisKeys(prefix).pollBudget('shared')
    const other = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
    try {
      const a = createRedisTokenBucket(redis, key, { ratePerSec: 1, burst: 4 })
      const b = createRedisTokenBucket(other, key, { ratePerSec: 1, burst: 4 })
      const taken = (await Promise.all([a, b, a, b, a, b].map((bucket) => bucket.take(0)))).filter((w) => w === 0)
      expect(taken).toHaveLength(4)
    } finally {
      other.disconnect()
    }
  })

  it('refills at its rate', async () => {
    const bucket = createRedisTokenBucket(redis, redisKeys(prefix).pollBudget('refill'), { ratePerSec: 20, burst: 1 })
    expect(await bucket.take(0)).toBe(0)
    const wait = await bucket.take(0)
    expect(wait).toBeGreaterThan(0)
    await new Promise((resolve) => setTimeout(resolve, wait + 20))
    expect(await bucket.take(0)).toBe(0)
  })
})
