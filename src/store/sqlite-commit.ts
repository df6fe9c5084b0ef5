import type Database from 'better-sqlite3'

type Job = { run: () => unknown, resolve: (v: never) => void, reject: (e: unknown) => void }
type Outcome = { ok: true, value: unknown } | { ok: false, err: unknown }

/**
 * Group commit: writes requested in one event-loop turn share one transaction (each keeps its own
 * savepoint, so one failing write rolls back alone); every caller hears back only after the commit.
 * Returns `commitSoon(run)`, which runs `run` in the next shared transaction.
 */
export function createGroupCommit (db: Database.Database): <T>(run: () => T) => Promise<T> {
  let queue: Job[] = []
  const flushBatch = db.transaction((jobs: Job[]): Outcome[] => jobs.map((job) => {
    try { return { ok: true as const, value: job.run() } } catch (err) { return { ok: false as const, err } }
  }))
  function flush (): void {
    const jobs = queue
    queue = []
    let results: Outcome[]
    try {
      results = flushBatch(jobs)
    } catch (err) {
      for (const job of jobs) job.reject(err)
      return
    }
    results.forEach((r, i) => { if (r.ok) jobs[i]!.resolve(r.value as never); else jobs[i]!.reject(r.err) })
  }
  return function commitSoon<T> (run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (queue.push({ run, resolve: resolve as (v: never) => void, reject }) === 1) setImmediate(flush)
    })
  }
}
