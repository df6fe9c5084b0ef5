import type { StoredEvent } from '../store/types.ts'
import type { Filter, ResumeLog } from '../tasks/resume.ts'

export interface SharedReadsOptions {
  /** How long a page stays for later resumes from the same id. */
  ttlMs?: number
  /** Bound on the stored JSON kept at once; the oldest pages go first. */
  maxBytes?: number
}

/** The resume reads of a log, shared by the streams that make the same read at about the same time. */
export interface SharedReads extends ResumeLog {
  /**
   * The owner's tail read new events (or started following the owner): a page that ended at the
   * log's end before this may lack events the tail has already handed to the streams that joined it.
   */
  moved: (owner: string) => void
}

interface Entry {
  owner: string
  /** Null once the page is read and not kept: the entry then only says whether the page was shared. */
  page: Promise<StoredEvent[]> | null
  /** When the read started, on the clock `moved` also stamps. */
  startedAt: number
  /** A full page can never change: every event up to its last id is committed (ids follow commit order). */
  full: boolean
  /** Kept once read: a resume's first page, a page others asked for, or the next one after a shared page. */
  keep: boolean
  hits: number
  bytes: number
  expiresAt: number
}

/**
 * Coalesces identical replay reads: after a restart every stream of an owner resumes from the same
 * id, and each would otherwise run the same query for every page. A full page is final; a page
 * that reached the end of the log is only handed to later resumes until the owner's tail moves,
 * since a stream that joined the tail after that needs the events the tail read then (it gets
 * only later ones live). A lone long replay keeps only its first page: holding every page it
 * read for the streams that never come cost more memory than the reads it could spare. Failed
 * reads are not kept, nor counts below their cap.
 */
export function createSharedReads (log: ResumeLog, opts: SharedReadsOptions = {}): SharedReads {
  const ttlMs = opts.ttlMs ?? 2_000
  const maxBytes = opts.maxBytes ?? 4 * 1024 * 1024
  const pages = new Map<string, Entry>()
  /** The page read so far before the page at each key: whether that one is shared decides whether this one is kept. */
  const preceding = new Map<string, Entry>()
  const counts = new Map<string, { n: Promise<number>, expiresAt: number }>()
  /** When each owner's tail last moved; only owners with pages kept are remembered. */
  const movedAt = new Map<string, number>()
  let clock = 0
  let bytes = 0

  const keyOf = (filter: Filter, afterId: number, limit: number): string => `${filter.owner}\n${filter.taskId ?? ''}\n${afterId}\n${limit}`

  function forget (key: string, entry: Entry): void {
    if (pages.get(key) !== entry) return
    pages.delete(key)
    bytes -= entry.bytes
  }

  // Map order is insertion order: the oldest pages are first.
  function prune (now: number): void {
    for (const [key, entry] of pages) {
      if (entry.expiresAt > now && bytes <= maxBytes) break
      forget(key, entry)
    }
    for (const [key, entry] of preceding) {
      if (entry.expiresAt > now) break
      preceding.delete(key)
    }
    for (const [key, count] of counts) {
      if (count.expiresAt > now) break
      counts.delete(key)
    }
    if (pages.size === 0) movedAt.clear()
  }

  const usable = (entry: Entry, now: number): boolean =>
    entry.page !== null && entry.expiresAt > now && (entry.full || entry.startedAt > (movedAt.get(entry.owner) ?? 0))

  return {
    afterStored (filter, afterId, limit) {
      const now = Date.now()
      const key = keyOf(filter, afterId, limit)
      const hit = pages.get(key)
      if (hit !== undefined && usable(hit, now)) {
        hit.hits++
        return hit.page!
      }
      if (hit !== undefined) forget(key, hit)
      // Kept: a first page (nothing read before it), a page read before (by another stream), or the page after a shared one.
      const before = preceding.get(key)
      const page = log.afterStored(filter, afterId, limit)
      const entry: Entry = {
        owner: filter.owner, page, startedAt: ++clock, full: false, keep: before === undefined || before.hits > 0 || hit !== undefined, hits: 0, bytes: 0, expiresAt: now + ttlMs
      }
      pages.set(key, entry)
      page.then((events) => {
        if (pages.get(key) !== entry) return
        entry.full = events.length >= limit
        if (entry.full) preceding.set(keyOf(filter, events.at(-1)!.id, limit), entry)
        if (!(entry.keep || entry.hits > 0) || !usable(entry, Date.now())) {
          entry.page = null
        } else {
          for (const event of events) entry.bytes += event.data.length + 32
          bytes += entry.bytes
        }
        prune(Date.now())
      }, () => forget(key, entry))
      return page
    },
    countAfter: log.countAfter && (async (filter, afterId, cap) => {
      const now = Date.now()
      const key = keyOf(filter, afterId, cap)
      const hit = counts.get(key)
      if (hit !== undefined && hit.expiresAt > now) return hit.n
      // Only a count that reached its cap is final: more events only add to it.
      const n = log.countAfter!(filter, afterId, cap)
      counts.set(key, { n, expiresAt: now + ttlMs })
      n.then((value) => { if (value < cap) counts.delete(key) }, () => counts.delete(key))
      return n
    }),
    lastId: () => log.lastId(),
    trimmedThrough: log.trimmedThrough && ((filter) => log.trimmedThrough!(filter)),
    moved (owner) {
      if (pages.size > 0) movedAt.set(owner, ++clock)
    }
  }
}
