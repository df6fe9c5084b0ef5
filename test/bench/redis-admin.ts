/**
 * The coordinator's own use of the benchmark's Redis: the report's description of the server, and
 * deleting a run's keys afterwards. Never one of the BFF's connections.
 */
import { Redis } from 'ioredis'
import { progress } from './common.ts'
import { REDIS_URL } from './options.ts'

/** A short-lived connection of the coordinator's own (never one of the BFF's). */
async function withRedis<T> (fn: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2_000, retryStrategy: () => null })
  redis.on('error', () => {})
  try {
    await redis.connect()
    return await fn(redis)
  } finally {
    redis.disconnect()
  }
}

/**
 * Deletes the keys matching the patterns with SCAN + UNLINK. A pair's keys are the store's
 * (`{<prefix>}:…`) and the rate limiter's (`<prefix>:rate:…`).
 */
export async function deleteRedisKeys (patterns: string[]): Promise<number> {
  try {
    return await withRedis(async (redis) => {
      let deleted = 0
      for (const pattern of patterns) {
        let cursor = '0'
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000)
          cursor = next
          if (keys.length > 0) deleted += await redis.unlink(...keys)
        } while (cursor !== '0')
      }
      return deleted
    })
  } catch (err) {
    progress(`could not delete the Redis keys ${patterns.join(' ')}: ${String(err)}`)
    return 0
  }
}

/** Redis version and persistence settings, for the report; throws when Redis is unreachable. */
export async function redisInfo (): Promise<{ info: string, aof: boolean }> {
  return withRedis(async (redis) => {
    const version = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? 'unknown'
    const setting = async (name: string): Promise<string> => {
      try { return String((await redis.config('GET', name) as string[])[1] ?? '?') } catch { return '?' }
    }
    const aof = await setting('appendonly')
    const save = await setting('save')
    return {
      info: `Redis ${version} at ${REDIS_URL.replace(/\/\/[^@/]*@/, '//')}, on the same machine; persistence: appendonly ${aof}` +
        `${aof === 'yes' ? ` (appendfsync ${await setting('appendfsync')})` : ''}, RDB save ${save === '' ? 'off' : `"${save}"`}`,
      aof: aof === 'yes'
    }
  })
}
