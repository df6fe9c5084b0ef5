import { describe, expect, it } from 'vitest'
import { afterPoll, DEFAULT_POLL_POLICY, deferred, expired, firstPoll, pollInterval } from '../../src/polling/schedule.ts'
import { createTokenBucket } from '../../src/polling/token-bucket.ts'

const P = DEFAULT_POLL_POLICY
const mid = () => 0.5

describe('poll schedule', () => {
  it('first polls after the model\'s typical minimum time, never past the deadline', () => {
    expect(firstPoll({ min: 60, max: 300 }, 0, 1_000_000, P, mid)).toEqual({ nextPollAt: 60_000, attempt: 0, deadlineAt: 1_000_000 })
    // A fast model still waits the minimum interval; a deadline closer than that wins.
    expect(firstPoll({ min: 1, max: 5 }, 0, 1_000_000, P, mid).nextPollAt).toBe(5_000)
    expect(firstPoll({ min: 60, max: 300 }, 0, 30_000, P, mid).nextPollAt).toBe(30_000)
  })

  it('backs off from a quarter of the typical time, growing to the cap', () => {
    const typical = { min: 60, max: 300 }
    expect(pollInterval(typical, 0)).toBe(15_000)
    expect(pollInterval(typical, 1)).toBe(22_500)
    expect(pollInterval(typical, 10)).toBe(60_000)
    expect(pollInterval({ min: 10, max: 60 }, 0)).toBe(5_000)
  })

  it('jitters each delay within the policy\'s fraction', () => {
    const s = { nextPollAt: 0, attempt: 0, deadlineAt: 10_000_000 }
    expect(afterPoll(s, 100_000, { min: 60, max: 300 }, P, () => 0).nextPollAt).toBe(100_000 + 12_000)
    expect(afterPoll(s, 100_000, { min: 60, max: 300 }, P, () => 1).nextPollAt).toBe(100_000 + 18_000)
  })

  it('counts attempts, keeps the deadline and never schedules past it', () => {
    const s = afterPoll({ nextPollAt: 0, attempt: 4, deadlineAt: 105_000 }, 100_000, { min: 60, max: 300 }, P, mid)
    expect(s).toEqual({ nextPollAt: 105_000, attempt: 5, deadlineAt: 105_000 })
    expect(expired(s, 104_999)).toBe(false)
    expect(expired(s, 105_000)).toBe(true)
  })

  it('defers without counting an attempt, within the deadline', () => {
    const s = { nextPollAt: 1000, attempt: 3, deadlineAt: 9000 }
    expect(deferred(s, 5000)).toEqual({ nextPollAt: 5000, attempt: 3, deadlineAt: 9000 })
    expect(deferred(s, 20_000).nextPollAt).toBe(9000)
  })
})

describe('token bucket', () => {
  it('allows the burst at once, then the rate, and says how long to wait', () => {
    const bucket = createTokenBucket({ ratePerSec: 4, burst: 2 }, 0)
    expect([bucket.take(0), bucket.take(0)]).toEqual([0, 0])
    expect(bucket.take(0)).toBe(250)
    expect(bucket.take(249)).toBe(1)
    expect(bucket.take(250)).toBe(0)
    // A long quiet period saves up no more than the burst.
    expect([bucket.take(60_000), bucket.take(60_000), bucket.take(60_000)]).toEqual([0, 0, 250])
  })

  it('mints nothing when the clock steps back', () => {
    const bucket = createTokenBucket({ ratePerSec: 1, burst: 1 }, 10_000)
    expect(bucket.take(10_000)).toBe(0)
    expect(bucket.take(5_000)).toBeGreaterThan(0)
  })

  it('refuses a rate that is not positive', () => {
    expect(() => createTokenBucket({ ratePerSec: 0, burst: 1 }, 0)).toThrow(RangeError)
  })
})
