import { TERMINAL_STATUSES, type TaskStatus } from './model.ts'

const RANK: Record<TaskStatus, number> = {
  queued: 0,
  processing: 1,
  succeeded: 2,
  failed: 2,
  canceled: 2,
  timed_out: 2
}

export function isTerminal (status: TaskStatus): boolean {
  return TERMINAL_STATUSES.includes(status)
}

export interface Progressed { status: TaskStatus, progress: number }

/**
 * Decides whether an update moves a task forward. Returns the new state, or null when the update
 * is a duplicate or stale and must change nothing: states never go backwards, a terminal state is
 * final, and within `processing` only a higher progress counts.
 */
export function advance (current: Progressed, update: { status: TaskStatus, progress?: number | undefined }): Progressed | null {
  if (isTerminal(current.status)) return null
  const progress = clampProgress(update.status, update.progress, current.progress)
  if (RANK[update.status] > RANK[current.status]) return { status: update.status, progress }
  if (update.status === current.status && progress > current.progress) return { status: update.status, progress }
  return null
}

// 100 % is what success looks like; an unfinished task stops just short of it.
const UNFINISHED_MAX = 99

/** Reports outside 0-100 (1e308, -5, NaN) are not progress at all, so they leave it as it was. */
function clampProgress (status: TaskStatus, reported: number | undefined, previous: number): number {
  if (status === 'succeeded') return 100
  if (reported === undefined || !Number.isFinite(reported) || reported < 0 || reported > 100) return previous
  return Math.max(previous, Math.min(UNFINISHED_MAX, Math.round(reported)))
}
