import type { Redis } from 'ioredis'
import type { RateBudget, TokenBucketOptions } from './token-bucket.ts'

/**
 * The token bucket of src/polling/token-bucket.ts, kept in one Redis hash so every instance draws
 * from the same budget. Redis's own clock decides, so instances with skewed clocks cannot mint
 * tokens; the script refills, takes and answers the wait in one atomic step.
 * KEYS[1] the bucket; ARGV capacity, tokens per ms. Answers 0 (taken) or ms to wait.
 */
const TAKE = `
local capacity = tonumber(ARGV[1])
local per_ms = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
if now > at then
  tokens = math.min(capacity, tokens + (now - at) * per_ms)
  at = now
end
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.max(1, math.ceil((1 - tokens) / per_ms - 1e-9))
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / per_ms) + 60000)
return wait
`

export function createRedisTokenBucket (redis: Pick<Redis, 'eval'>, key: string, opts: TokenBucketOptions): RateBudget {
  if (!(opts.ratePerSec > 0)) throw new RangeError('ratePerSec must be positive')
  const capacity = Math.max(1, Math.floor(opts.burst))
  const perMs = opts.ratePerSec / 1000
  return {
    // The caller's clock is not used: Redis's is the one all instances share.
    async take () {
      return Number(await redis.eval(TAKE, 1, key, capacity, perMs))
    }
  }
}
