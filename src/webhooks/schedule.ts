/**
 * The retry schedule: the delay after each failed attempt. The default follows the Standard
 * Webhooks recommendation (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h): eight attempts over about
 * 27 hours, so a receiver down for an hour, or over a night, still gets everything.
 */
export const DEFAULT_RETRY_SCHEDULE = '5s,5m,30m,2h,5h,10h,10h'

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }

/** Parses "5s,5m,2h" (units ms, s, m, h) into milliseconds; a reason when malformed. */
export function parseSchedule (raw: string): number[] | string {
  const parts = raw.split(',').map((p) => p.trim()).filter(Boolean)
  if (parts.length === 0) return 'must list at least one delay, e.g. 5s,5m,30m'
  const delays: number[] = []
  for (const part of parts) {
    const m = /^(\d+)(ms|s|m|h)$/.exec(part)
    if (!m || Number(m[1]) === 0) return `"${part}" is not a delay such as 500ms, 5s, 5m or 2h`
    delays.push(Number(m[1]) * UNITS[m[2]!]!)
  }
  return delays
}

/**
 * When to try again after `attempts` failed attempts, or null once the schedule is spent. Up to
 * 10 % later, so retries of many messages to one receiver that failed together spread out.
 */
export function nextAttemptAt (delays: readonly number[], attempts: number, now: number, random: () => number = Math.random): number | null {
  const delay = delays[attempts - 1]
  return delay === undefined ? null : now + Math.round(delay * (1 + random() * 0.1))
}
