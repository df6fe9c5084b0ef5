import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'

/** Counts open event streams per key (an owner, a client IP) against a cap. */
export interface StreamSlots {
  /** A slot for one more stream under `key`, or null when `max` are open. `release` may be called twice. */
  acquire: (key: string, max: number) => Promise<{ release: () => void } | null>
  /** Keeps this instance's slots alive (shared slots expire unless refreshed); call on the heartbeat. */
  refresh: () => Promise<void>
}

/** One process: a counter per key. */
export function memoryStreamSlots (): StreamSlots {
  const open = new Map<string, number>()
  return {
    async acquire (key, max) {
      const n = open.get(key) ?? 0
      if (n >= max) return null
      open.set(key, n + 1)
      let released = false
      return {
        release () {
          if (released) return
          released = true
          const left = (open.get(key) ?? 1) - 1
          if (left <= 0) open.delete(key)
          else open.set(key, left)
        }
      }
    },
    async refresh () {}
  }
}

// KEYS: the key's sorted set. ARGV: now, expiry, max, member, ttl. Expired leases go first.
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
`

/**
 * Shared across instances: a sorted set per key of stream leases scored by their expiry. Each
 * instance refreshes its own leases on the heartbeat, so a crashed instance's streams stop
 * counting within `ttlMs`; until then the cap is that much stricter. Instances' clocks should
 * agree to well within `ttlMs`.
 */
export function redisStreamSlots (redis: Redis, keyOf: (key: string) => string, ttlMs: number, now: () => number = Date.now): StreamSlots {
  const instance = randomUUID()
  let seq = 0
  const mine = new Map<string, string>() // member -> set key
  return {
    async acquire (key, max) {
      const setKey = keyOf(key)
      const member = `${instance}:${++seq}`
      const t = now()
      const ok = await redis.eval(ACQUIRE, 1, setKey, t, t + ttlMs, max, member, ttlMs * 2)
      if (ok !== 1) return null
      mine.set(member, setKey)
      return {
        release () {
          if (!mine.delete(member)) return
          // Best effort: a lease that cannot be removed now expires by itself.
          redis.zrem(setKey, member).catch(() => {})
        }
      }
    },
    async refresh () {
      if (mine.size === 0) return
      const expiry = now() + ttlMs
      const batch = redis.pipeline()
      for (const [member, setKey] of mine) {
        batch.zadd(setKey, 'XX', expiry, member)
        batch.pexpire(setKey, ttlMs * 2)
      }
      await batch.exec()
    }
  }
}
