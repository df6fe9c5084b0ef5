import { DEFAULT_POLL_POLICY, firstPoll, type PollPolicy, type Typical } from '../polling/schedule.ts'
import type { Provider } from '../providers/types.ts'

type Delivery = Provider['delivery']

/** When the reconciler looks at a task, derived from the capability's typical generation time. */
export interface SchedulePolicy {
  /** A callback is overdue after typical max × this. */
  overdueFactor: number
  /** An unfinished task is given up after typical max × this. */
  deadlineFactor: number
  /** First retry delay of the reconciler's exponential backoff, and its cap. */
  baseDelayMs: number
  maxDelayMs: number
}

export function firstCheckAt (typicalMaxSec: number, createdMs: number, p: SchedulePolicy): number {
  return createdMs + Math.round(typicalMaxSec * 1000 * p.overdueFactor)
}

export function deadlineAt (typicalMaxSec: number, createdMs: number, p: SchedulePolicy): number {
  return createdMs + Math.round(typicalMaxSec * 1000 * Math.max(p.deadlineFactor, p.overdueFactor))
}

/**
 * The next poll after `attempts` polls that found the task unfinished: exponential backoff with
 * ±50% jitter (so a restart does not make every overdue task poll in lockstep), never past the
 * deadline, so the deadline is enforced on time.
 */
export function nextCheckAt (attempts: number, nowMs: number, deadlineMs: number, p: SchedulePolicy, random: () => number = Math.random): number {
  const backoff = Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** Math.min(attempts, 30))
  const jittered = Math.round(backoff * (0.5 + random()))
  return Math.min(nowMs + Math.max(1, jittered), Math.max(deadlineMs, nowMs))
}

/**
 * The poller's policy under this schedule. Settings that make the reconciler faster (a test's
 * small overdue factor and delays) make polling-only tasks' polls come sooner in the same
 * proportion; the defaults are the poller's own.
 */
export function pollPolicyOf (p: SchedulePolicy): PollPolicy {
  const scale = Math.min(1, p.overdueFactor)
  return {
    ...DEFAULT_POLL_POLICY,
    firstPollFactor: DEFAULT_POLL_POLICY.firstPollFactor * scale,
    intervalFactor: DEFAULT_POLL_POLICY.intervalFactor * scale,
    minIntervalMs: Math.min(DEFAULT_POLL_POLICY.minIntervalMs, p.baseDelayMs),
    maxIntervalMs: Math.min(DEFAULT_POLL_POLICY.maxIntervalMs, p.maxDelayMs)
  }
}

/**
 * A task's first check once its provider accepted it: a callback provider's is when the callback
 * is overdue; a polling-only provider's is its first poll, at the model's typical minimum time.
 */
export function firstCheckFor (delivery: Delivery, typical: Typical, createdMs: number, deadlineMs: number, p: SchedulePolicy): number {
  if (delivery === 'polling') return firstPoll(typical, createdMs, deadlineMs, pollPolicyOf(p)).nextPollAt
  return firstCheckAt(typical.max, createdMs, p)
}
