import { afterPoll, DEFAULT_POLL_POLICY, expired, type PollPolicy, type PollSchedule, type Typical } from './schedule.ts'
import { createTokenBucket, type RateBudget } from './token-bucket.ts'

/** One due task of a polling-only provider, as the store hands it out. */
export interface PollJob {
  id: string
  provider: string
  typical: Typical
  schedule: PollSchedule
}

export interface ProviderBudget {
  /** Polls of this provider in flight at once, on this instance. */
  concurrency: number
  ratePerSec: number
  burst: number
}

export type PollOutcome = 'finished' | 'running'

export interface PollRunnerDeps {
  now: () => number
  sleep: (ms: number) => Promise<void>
  budgets: Readonly<Record<string, ProviderBudget>>
  /** For providers without an entry of their own. */
  defaultBudget: ProviderBudget
  /** Looked up per provider instead of `budgets` (budgets that come from configuration). */
  budgetOf?: (provider: string) => ProviderBudget | undefined
  /** Replaces the in-memory token bucket of a provider (a shared Redis bucket, say). */
  rateBudget?: (provider: string, budget: ProviderBudget) => RateBudget
  /** Asks the provider and applies its report; 'finished' when the task reached a terminal state. */
  poll: (job: PollJob) => Promise<PollOutcome>
  /** Gives the task up as timed out: its deadline passed. */
  expire: (job: PollJob) => Promise<void>
  /** Stores the next schedule of a task still running. */
  reschedule: (job: PollJob, next: PollSchedule) => Promise<void>
  /** Exclusive right to poll the task (a lease); false means another instance has it: skip. */
  claim?: (job: PollJob) => Promise<boolean>
  release?: (job: PollJob) => Promise<void>
  /** A poll that threw: the task keeps running and is rescheduled with backoff. */
  onError?: (job: PollJob, err: unknown) => void
  policy?: PollPolicy
  random?: () => number
}

export interface PassStats { polled: number, finished: number, expired: number, skipped: number, errors: number }

/**
 * Runs due polls without letting one provider hurt the others: each provider has its own lane
 * with bounded concurrency and a rate budget, and lanes run side by side. A task past its deadline
 * is expired without a poll; a task whose poll failed is rescheduled with backoff.
 */
export function createPollRunner (deps: PollRunnerDeps) {
  const policy = deps.policy ?? DEFAULT_POLL_POLICY
  const buckets = new Map<string, RateBudget>()
  const budgetOf = (provider: string) => deps.budgetOf?.(provider) ?? deps.budgets[provider] ?? deps.defaultBudget

  function bucketOf (provider: string): RateBudget {
    let bucket = buckets.get(provider)
    if (!bucket) {
      const budget = budgetOf(provider)
      bucket = deps.rateBudget?.(provider, budget) ?? createTokenBucket(budget, deps.now())
      buckets.set(provider, bucket)
    }
    return bucket
  }

  async function token (provider: string): Promise<void> {
    const bucket = bucketOf(provider)
    for (;;) {
      const wait = await bucket.take(deps.now())
      if (wait <= 0) return
      await deps.sleep(wait)
    }
  }

  async function handle (job: PollJob, stats: PassStats): Promise<void> {
    if (deps.claim && !await deps.claim(job)) {
      stats.skipped++
      return
    }
    try {
      if (expired(job.schedule, deps.now())) {
        await deps.expire(job)
        stats.expired++
        return
      }
      await token(job.provider)
      stats.polled++
      let outcome: PollOutcome = 'running'
      try {
        outcome = await deps.poll(job)
      } catch (err) {
        stats.errors++
        deps.onError?.(job, err)
      }
      if (outcome === 'finished') {
        stats.finished++
        return
      }
      await deps.reschedule(job, afterPoll(job.schedule, deps.now(), job.typical, policy, deps.random))
    } finally {
      await deps.release?.(job)
    }
  }

  async function lane (jobs: readonly PollJob[], stats: PassStats): Promise<void> {
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < jobs.length) {
        const job = jobs[next++]!
        // A store write that failed leaves the task as it was: due again on the next pass.
        try {
          await handle(job, stats)
        } catch (err) {
          stats.errors++
          deps.onError?.(job, err)
        }
      }
    }
    const width = Math.max(1, Math.min(budgetOf(jobs[0]!.provider).concurrency, jobs.length))
    await Promise.all(Array.from({ length: width }, worker))
  }

  return {
    /** One pass over due tasks, earliest first; resolves when every one is handled. */
    async run (due: readonly PollJob[]): Promise<PassStats> {
      const stats: PassStats = { polled: 0, finished: 0, expired: 0, skipped: 0, errors: 0 }
      const byProvider = new Map<string, PollJob[]>()
      for (const job of [...due].sort((a, b) => a.schedule.nextPollAt - b.schedule.nextPollAt)) {
        const list = byProvider.get(job.provider) ?? []
        list.push(job)
        byProvider.set(job.provider, list)
      }
      await Promise.all([...byProvider.values()].map((jobs) => lane(jobs, stats)))
      return stats
    }
  }
}
