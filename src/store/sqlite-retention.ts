import type Database from 'better-sqlite3'

// The same list as the partial index tasks_finished, word for word, so the planner may use it.
const FINISHED = "status IN ('succeeded', 'failed', 'canceled', 'timed_out')"

/**
 * Appended to the store's migrations: what retention needs to find and forget finished tasks.
 * Idempotent, so a file rolled back to an earlier user_version migrates forward again.
 */
export const RETENTION_MIGRATION = `CREATE INDEX IF NOT EXISTS tasks_finished ON tasks (updated_at) WHERE ${FINISHED};
   CREATE TABLE IF NOT EXISTS retention (id INTEGER PRIMARY KEY CHECK (id = 1), trimmed_through INTEGER NOT NULL);
   INSERT OR IGNORE INTO retention (id, trimmed_through) VALUES (1, 0);`

/** The batch query; exported so a test can hold its plan to the partial index. */
export const FINISHED_BATCH_SQL = `SELECT id FROM tasks WHERE ${FINISHED} AND updated_at < ? ORDER BY updated_at LIMIT ?`

export interface SqliteRetention {
  deleteFinished: (finishedBefore: number, limit: number) => number
  /** The newest event id retention ever deleted: a resume from below it may have missed events. */
  trimmedThrough: () => number
  countAfter: (filter: { owner: string, taskId?: string | undefined }, afterId: number, cap: number) => number
  /** Whether deleted pages go back to the file system (auto_vacuum = INCREMENTAL). */
  reclaims: boolean
}

/** Retention and replay bounds for the SQLite store; call once the migrations have run. */
export function createSqliteRetention (db: Database.Database): SqliteRetention {
  const q = {
    // A terminal task is written for the last time when it finishes, so updated_at is its finish time.
    finished: db.prepare<[string, number], { id: string }>(FINISHED_BATCH_SQL),
    lastEvent: db.prepare<[string], { id: number | null }>('SELECT MAX(id) AS id FROM events WHERE task_id = ?'),
    deleteEvents: db.prepare<[string]>('DELETE FROM events WHERE task_id = ?'),
    // The status check again: a task cannot leave a terminal state, but a store must never lose an unfinished one.
    deleteTask: db.prepare<[string]>(`DELETE FROM tasks WHERE id = ? AND ${FINISHED}`),
    raiseMark: db.prepare<[number]>('UPDATE retention SET trimmed_through = MAX(trimmed_through, ?) WHERE id = 1'),
    mark: db.prepare<[], { trimmed_through: number }>('SELECT trimmed_through FROM retention WHERE id = 1'),
    countOwner: db.prepare<[string, number, number], { n: number }>('SELECT COUNT(*) AS n FROM (SELECT 1 FROM events WHERE owner = ? AND id > ? LIMIT ?)'),
    countTask: db.prepare<[string, string, number, number], { n: number }>('SELECT COUNT(*) AS n FROM (SELECT 1 FROM events WHERE task_id = ? AND owner = ? AND id > ? LIMIT ?)')
  }
  const reclaims = db.pragma('auto_vacuum', { simple: true }) === 2
  // Every resume asks; only deleteBatch moves it, and the embedded store's file belongs to one process (its bus is in-process).
  let mark: number | undefined

  const deleteBatch = db.transaction((finishedBefore: number, limit: number): number => {
    const ids = q.finished.all(new Date(finishedBefore).toISOString(), limit).map((r) => r.id)
    let newest = 0
    for (const id of ids) {
      newest = Math.max(newest, q.lastEvent.get(id)?.id ?? 0)
      q.deleteEvents.run(id)
      q.deleteTask.run(id)
    }
    if (newest > 0) {
      q.raiseMark.run(newest)
      mark = undefined
    }
    return ids.length
  })

  return {
    reclaims,
    deleteFinished (finishedBefore, limit) {
      const deleted = deleteBatch(finishedBefore, limit)
      // Outside the batch's transaction: hands the pages it freed back to the file system.
      if (deleted > 0 && reclaims) db.pragma('incremental_vacuum')
      return deleted
    },
    trimmedThrough: () => (mark ??= q.mark.get()?.trimmed_through ?? 0),
    countAfter (filter, afterId, cap) {
      const row = filter.taskId === undefined
        ? q.countOwner.get(filter.owner, afterId, cap)
        : q.countTask.get(filter.taskId, filter.owner, afterId, cap)
      return row?.n ?? 0
    }
  }
}
