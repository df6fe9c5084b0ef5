import { describe, expect, it } from 'vitest'
import { createPollRunner, type PollJob, type PollRunnerDeps, type ProviderBudget } from '../../src/polling/runner.ts'
import { firstPoll, type PollSchedule } from '../../src/polling/schedule.ts'
import { fakeClock } from './fake-clock.ts'

const TYPICAL = { min: 60, max: 300 }
const budget = (b: Partial<ProviderBudget> = {}): ProviderBudget => ({ concurrency: 8, ratePerSec: 10, burst: 5, ...b })

function jobs (n: number, provider: string, now: number, deadlineAt = now + 3_600_000): PollJob[] {
  return Array.from({ length: n }, (_, i) => ({ id: `${provider}-${i}`, provider, typical: TYPICAL, schedule: { ...firstPoll(TYPICAL, now - 120_000, deadlineAt), nextPollAt: now - i } }))
}

/** The most polls seen in any window of `windowMs` (every window starting at a poll). */
function busiestWindow (times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b)
  let most = 0
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= windowMs) j++
    most = Math.max(most, i - j + 1)
  }
  return most
}

function harness (over: Partial<PollRunnerDeps> = {}) {
  const clock = fakeClock()
  const polls: { id: string, provider: string, at: number }[] = []
  const rescheduled = new Map<string, PollSchedule>()
  const expiredIds: string[] = []
  let inFlight = 0
  let maxInFlight = 0
  const runner = createPollRunner({
    now: clock.now,
    sleep: clock.sleep,
    budgets: {},
    defaultBudget: budget(),
    random: () => 0.5,
    async poll (job) {
      polls.push({ id: job.id, provider: job.provider, at: clock.now() })
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      await clock.sleep(120) // the provider's answer time
      inFlight--
      return 'running'
    },
    async expire (job) { expiredIds.push(job.id) },
    async reschedule (job, next) { rescheduled.set(job.id, next) },
    ...over
  })
  return { clock, runner, polls, rescheduled, expiredIds, maxInFlight: () => maxInFlight }
}

describe('poll runner', () => {
  it('never exceeds the configured rate under a burst of hundreds of tasks', async () => {
    const h = harness({ budgets: { mediaio: budget({ ratePerSec: 10, burst: 5, concurrency: 16 }) } })
    const start = h.clock.now()
    const stats = await h.clock.drive(h.runner.run(jobs(600, 'mediaio', start)))
    expect(stats).toMatchObject({ polled: 600, finished: 0, expired: 0, errors: 0 })
    const times = h.polls.map((p) => p.at)
    // Any second holds at most the rate plus the saved-up burst; any ten seconds at most 10 × rate + burst.
    expect(busiestWindow(times, 1000)).toBeLessThanOrEqual(10 + 5)
    expect(busiestWindow(times, 10_000)).toBeLessThanOrEqual(100 + 5)
    // And the budget is used, not wasted: 595 polls beyond the burst at 10/s take about 59.5 s.
    const span = Math.max(...times) - start
    expect(span).toBeGreaterThanOrEqual(59_000)
    expect(span).toBeLessThan(62_000)
    expect(h.maxInFlight()).toBeLessThanOrEqual(16)
    expect(h.rescheduled.size).toBe(600)
  })

  it('gives each provider its own lane: a saturated one does not slow another', async () => {
    const h = harness({ budgets: { slow: budget({ ratePerSec: 1, burst: 1, concurrency: 2 }), fast: budget({ ratePerSec: 50, burst: 10 }) } })
    const start = h.clock.now()
    await h.clock.drive(h.runner.run([...jobs(30, 'slow', start), ...jobs(100, 'fast', start)]))
    const fast = h.polls.filter((p) => p.provider === 'fast').map((p) => p.at)
    const slow = h.polls.filter((p) => p.provider === 'slow').map((p) => p.at)
    expect(Math.max(...fast) - start).toBeLessThan(3_000)
    expect(busiestWindow(slow, 1000)).toBeLessThanOrEqual(2)
    expect(Math.max(...slow) - start).toBeGreaterThanOrEqual(28_000)
  })

  it('bounds the polls in flight per provider', async () => {
    const h = harness({ budgets: { p: budget({ ratePerSec: 1000, burst: 1000, concurrency: 3 }) } })
    await h.clock.drive(h.runner.run(jobs(40, 'p', h.clock.now())))
    expect(h.maxInFlight()).toBe(3)
  })

  it('expires a task past its hard deadline without polling it', async () => {
    const h = harness()
    const now = h.clock.now()
    const late = jobs(3, 'p', now, now - 1)
    const onTime = jobs(2, 'q', now)
    const stats = await h.clock.drive(h.runner.run([...late, ...onTime]))
    expect(h.expiredIds.sort()).toEqual(['p-0', 'p-1', 'p-2'])
    expect(h.polls.map((p) => p.id).sort()).toEqual(['q-0', 'q-1'])
    expect(stats).toMatchObject({ expired: 3, polled: 2 })
  })

  it('reschedules with backoff after an unfinished or failed poll, and not after a finished one', async () => {
    let n = 0
    const errors: unknown[] = []
    const h = harness({
      async poll () {
        n++
        if (n === 1) return 'finished'
        if (n === 2) throw new Error('provider down')
        return 'running'
      },
      onError: (_job, err) => errors.push(err),
      budgets: { p: budget({ concurrency: 1 }) }
    })
    const now = h.clock.now()
    const [a, b, c] = jobs(3, 'p', now).map((j) => ({ ...j, schedule: { ...j.schedule, nextPollAt: now, attempt: 2 } }))
    const stats = await h.clock.drive(h.runner.run([a!, b!, c!]))
    expect(stats).toMatchObject({ polled: 3, finished: 1, errors: 1 })
    expect(errors).toHaveLength(1)
    expect(h.rescheduled.has(a!.id)).toBe(false)
    for (const job of [b!, c!]) {
      const next = h.rescheduled.get(job.id)!
      expect(next.attempt).toBe(3)
      expect(next.nextPollAt).toBeGreaterThan(now)
      expect(next.deadlineAt).toBe(job.schedule.deadlineAt)
    }
  })

  it('skips tasks another instance holds, and releases every claim it took', async () => {
    const released: string[] = []
    const h = harness({
      claim: async (job) => !job.id.endsWith('1'),
      release: async (job) => { released.push(job.id) }
    })
    const stats = await h.clock.drive(h.runner.run(jobs(12, 'p', h.clock.now())))
    expect(stats.skipped).toBe(2) // p-1 and p-11
    expect(h.polls.map((p) => p.id)).not.toContain('p-1')
    expect(released.sort()).toEqual(h.polls.map((p) => p.id).sort())
  })

  it('keeps going when a store write fails', async () => {
    const h = harness({ reschedule: async (job) => { if (job.id === 'p-0') throw new Error('store down') } })
    const stats = await h.clock.drive(h.runner.run(jobs(5, 'p', h.clock.now())))
    expect(stats).toMatchObject({ polled: 5, errors: 1 })
  })
})
