import { setImmediate } from 'node:timers/promises'
import type { EventLog, StoredEvent } from '../store/types.ts'

// Each page is read in one go: 100 rows keeps other requests waiting at most a few ms between
// pages (a 100,000-event replay's probe p99 went from 198 to 131 ms against 500 rows).
export const REPLAY_PAGE = 100

/** Why a resume is not replayed: its events were trimmed, this log never issued its id, or it is older than the horizon. */
export const RESUME_GAPS = ['history trimmed', 'unknown event id', 'replay horizon'] as const
export type ResumeGap = typeof RESUME_GAPS[number]

/** What a resume reads: the event log itself, or reads of it shared between streams (src/sse/shared-reads.ts). */
export type ResumeLog = Pick<EventLog, 'afterStored' | 'lastId' | 'trimmedThrough' | 'countAfter'>

export interface ResumeOptions {
  log?: ResumeLog | undefined
  /** A resume that would replay more than this many events is not replayed (logs without `countAfter` replay everything). */
  maxEvents?: number | undefined
}

export type Filter = { owner: string, taskId?: string | undefined }

export type Resume = { gap: ResumeGap } | { gap: undefined, pages: AsyncGenerator<StoredEvent[]> }

/**
 * Decides whether the events after `lastEventId` can be replayed, from the replay's own first
 * page where it can: a page with events proves the id was issued, and a page shorter than the
 * horizon proves the resume is within it, so a typical resume costs one read and no `COUNT` or
 * `lastId`. The checks keep their order: horizon, then unknown id, then trimmed history.
 */
export async function resumeAfter (log: ResumeLog, filter: Filter, lastEventId: number, maxEvents?: number): Promise<Resume> {
  const first = await log.afterStored(filter, lastEventId, REPLAY_PAGE)
  if (first.length > 0 && maxEvents !== undefined && log.countAfter) {
    const past = first.length > maxEvents ||
      (first.length === REPLAY_PAGE && await log.countAfter(filter, lastEventId, maxEvents + 1) > maxEvents)
    if (past) return { gap: 'replay horizon' }
  }
  // An empty page may mean an id from another log (a new or restored database, a flushed Redis),
  // where every new event, numbered from below it, would be skipped.
  if (first.length === 0 && lastEventId > await log.lastId()) return { gap: 'unknown event id' }
  if (lastEventId < (await log.trimmedThrough?.(filter) ?? 0)) return { gap: 'history trimmed' }
  return { gap: undefined, pages: pagesFrom(log, filter, first) }
}

/** The replay: the first page, then the log after it a page at a time, yielding to other work between pages. */
async function * pagesFrom (log: ResumeLog, filter: Filter, first: StoredEvent[]): AsyncGenerator<StoredEvent[]> {
  for (let page = first; ;) {
    if (page.length > 0) yield page
    if (page.length < REPLAY_PAGE) return
    await setImmediate()
    page = await log.afterStored(filter, page.at(-1)!.id, REPLAY_PAGE)
  }
}
