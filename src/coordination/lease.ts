import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import { redisKeys } from '../store/redis-keys.ts'

/** Mutual exclusion across instances for a while: a crashed holder's lease simply runs out. */
export interface Leases {
  /** True when this instance now holds `key` for `ttlMs`. */
  acquire: (key: string, ttlMs: number) => Promise<boolean>
  /** Gives up a lease this instance holds; a lease taken over by another instance is left alone. */
  release: (key: string) => Promise<void>
}

/** One process: nothing to coordinate with. */
export const LOCAL_LEASES: Leases = {
  acquire: async () => true,
  release: async () => {}
}

// Delete only if the value is still ours, atomically.
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"

export function createRedisLeases (redis: Redis, prefix: string): Leases {
  const owner = randomUUID()
  const keyOf = redisKeys(prefix).lease
  return {
    async acquire (key, ttlMs) {
      return (await redis.set(keyOf(key), owner, 'PX', ttlMs, 'NX')) === 'OK'
    },
    async release (key) {
      await redis.eval(RELEASE, 1, keyOf(key), owner)
    }
  }
}
