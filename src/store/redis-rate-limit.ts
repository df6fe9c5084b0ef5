import type { Redis } from 'ioredis'

type Done = (err: Error | null, result?: { current: number, ttl: number }) => void

// KEYS: the counter. ARGV: window ms. A fresh counter starts its window; the rest keep theirs.
const INCR = `
local current = redis.call('INCR', KEYS[1])
if current == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return { current, ttl }
`

/**
 * A store for @fastify/rate-limit whose keys all start with `namespace` (under the deployment's
 * hash tag, see redis-keys.ts). The plugin's own Redis store names a route's counters after
 * `method + url`, which are undefined for limiters made with createRateLimit (keys read
 * `...:rate:undefinedundefined-owner:<owner>`); here such limiters use their own key as it is.
 */
export function redisRateLimitStore (redis: Redis, namespace: string) {
  class RedisRateLimitStore {
    readonly prefix: string
    // The plugin constructs the store with its options, which this store has no use for.
    constructor (_options?: unknown, prefix = namespace) { this.prefix = prefix }
    incr (key: string, done: Done, timeWindow: number): void {
      redis.eval(INCR, 1, `${this.prefix}${key}`, timeWindow).then(
        (reply) => { const [current, ttl] = reply as [number, number]; done(null, { current, ttl }) },
        (err: Error) => done(err)
      )
    }

    read (key: string, done: Done): void {
      const full = `${this.prefix}${key}`
      Promise.all([redis.get(full), redis.pttl(full)]).then(
        ([current, ttl]) => done(null, { current: Number(current ?? 0), ttl: Math.max(0, ttl) }),
        (err: Error) => done(err)
      )
    }

    child (routeOptions: object): RedisRateLimitStore {
      const route = (routeOptions as { routeInfo?: { method?: string, url?: string } }).routeInfo
      return new RedisRateLimitStore(undefined, route?.method && route.url ? `${this.prefix}${route.method}${route.url}:` : this.prefix)
    }
  }
  return RedisRateLimitStore
}
