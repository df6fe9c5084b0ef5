/**
 * When a polling-only provider's task is next asked about. Provider-neutral and pure: the store
 * persists a PollSchedule (next poll time, attempt, deadline), so a restart resumes where it was.
 */

export interface PollSchedule {
  /** ms since the epoch. */
  nextPollAt: number
  /** Polls so far that found the task unfinished. */
  attempt: number
  /** ms since the epoch; at or after it the task is given up as timed out, unpolled. */
  deadlineAt: number
}

export interface PollPolicy {
  /** The first poll comes after the model's typical minimum time × this. */
  firstPollFactor: number
  /** The first interval after that is typical minimum × this ... */
  intervalFactor: number
  /** ... growing by this factor per unfinished poll ... */
  growth: number
  /** ... kept within these bounds. */
  minIntervalMs: number
  maxIntervalMs: number
  /** ±fraction of each delay, so tasks created together do not poll in lockstep. */
  jitter: number
}

export const DEFAULT_POLL_POLICY: Readonly<PollPolicy> = Object.freeze({
  firstPollFactor: 1,
  intervalFactor: 0.25,
  growth: 1.5,
  // The document's examples poll every 5 s; we start there at the earliest and never wait over a minute.
  minIntervalMs: 5_000,
  maxIntervalMs: 60_000,
  jitter: 0.2
})

export interface Typical { min: number, max: number }

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v))
const jittered = (ms: number, p: PollPolicy, random: () => number) => Math.round(ms * (1 + p.jitter * (2 * random() - 1)))

/** The schedule of a task the provider just accepted. */
export function firstPoll (typical: Typical, createdAt: number, deadlineAt: number, p: PollPolicy = DEFAULT_POLL_POLICY, random: () => number = Math.random): PollSchedule {
  const delay = Math.max(p.minIntervalMs, jittered(typical.min * 1000 * p.firstPollFactor, p, random))
  return { nextPollAt: Math.min(createdAt + delay, deadlineAt), attempt: 0, deadlineAt }
}

/** The interval after `attempt` unfinished polls, before jitter. */
export function pollInterval (typical: Typical, attempt: number, p: PollPolicy = DEFAULT_POLL_POLICY): number {
  const first = clamp(typical.min * 1000 * p.intervalFactor, p.minIntervalMs, p.maxIntervalMs)
  return clamp(first * p.growth ** Math.min(attempt, 60), p.minIntervalMs, p.maxIntervalMs)
}

/** After a poll that found the task unfinished (or failed to reach the provider). Never past the deadline. */
export function afterPoll (s: PollSchedule, now: number, typical: Typical, p: PollPolicy = DEFAULT_POLL_POLICY, random: () => number = Math.random): PollSchedule {
  const delay = Math.max(1, jittered(pollInterval(typical, s.attempt, p), p, random))
  return { nextPollAt: Math.min(now + delay, Math.max(s.deadlineAt, now)), attempt: s.attempt + 1, deadlineAt: s.deadlineAt }
}

/** Past the hard deadline: give the task up without another poll. */
export const expired = (s: PollSchedule, now: number) => now >= s.deadlineAt

/** Not to poll before a rate budget frees up: the same attempt, a later time. */
export const deferred = (s: PollSchedule, until: number): PollSchedule => ({ ...s, nextPollAt: Math.min(Math.max(s.nextPollAt, until), s.deadlineAt) })
