/**
 * A provider's global poll budget: `ratePerSec` on average, at most `burst` at once. Behind an
 * interface so a deployment with several instances can share one budget (a Redis bucket) instead of
 * one per instance.
 */
export interface RateBudget {
  /** Takes one token if there is one (0); otherwise takes nothing and says how many ms until there will be. */
  take: (now: number) => number | Promise<number>
}

export interface TokenBucketOptions {
  ratePerSec: number
  /** Tokens a quiet period can save up; at least 1. */
  burst: number
}

export function createTokenBucket (opts: TokenBucketOptions, now: number): RateBudget {
  if (!(opts.ratePerSec > 0)) throw new RangeError('ratePerSec must be positive')
  const capacity = Math.max(1, Math.floor(opts.burst))
  const perMs = opts.ratePerSec / 1000
  let tokens = capacity
  let at = now
  return {
    take (t) {
      // A clock that steps back (a test, an NTP jump) must not mint tokens.
      if (t > at) {
        tokens = Math.min(capacity, tokens + (t - at) * perMs)
        at = t
      }
      if (tokens >= 1) {
        tokens -= 1
        return 0
      }
      // The epsilon keeps float residue from adding a millisecond.
      return Math.max(1, Math.ceil((1 - tokens) / perMs - 1e-9))
    }
  }
}
