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
