import type Database from 'better-sqlite3'
import type { TaskRecord } from '../tasks/model.ts'

type Value = string | number | null

/** The columns a write may change, and how each is stored. Owner, capability, provider, creation and metadata never change. */
const COLUMNS: readonly (readonly [column: string, value: (t: TaskRecord) => Value, changed: (a: TaskRecord, b: TaskRecord) => boolean])[] = [
  ['status', (t) => t.status, (a, b) => a.status !== b.status],
  ['progress', (t) => t.progress, (a, b) => a.progress !== b.progress],
  ['input', (t) => JSON.stringify(t.input), (a, b) => a.input !== b.input],
  ['outputs', (t) => JSON.stringify(t.outputs), (a, b) => a.outputs !== b.outputs],
  ['error', (t) => t.error ? JSON.stringify(t.error) : null, (a, b) => a.error !== b.error],
  ['upstream_task_id', (t) => t.upstreamTaskId, (a, b) => a.upstreamTaskId !== b.upstreamTaskId],
  ['next_check_at', (t) => t.nextCheckAt, (a, b) => a.nextCheckAt !== b.nextCheckAt],
  ['deadline_at', (t) => t.deadlineAt, (a, b) => a.deadlineAt !== b.deadlineAt],
  ['check_attempts', (t) => t.checkAttempts, (a, b) => a.checkAttempts !== b.checkAttempts],
  ['callback_token_hash', (t) => t.callbackTokenHash, (a, b) => a.callbackTokenHash !== b.callbackTokenHash]
]

/**
 * The compare-and-set UPDATE of a task, setting only the columns that differ from the version it
 * replaces when the writer passes that version. SQLite rewrites the entries of every index on a
 * column named in SET, changed or not: a progress callback or the bind of the upstream id used to
 * rewrite the status, upstream and schedule indexes too, each a page more in the WAL. Objects are
 * compared by reference (writers spread the record they read), so an equal copy only costs a
 * column written needlessly. One prepared statement per set of columns, a handful in practice.
 */
export function createTaskUpdates (db: Database.Database): (next: TaskRecord, prev?: TaskRecord) => number {
  const statements = new Map<number, Database.Statement<Value[]>>()

  function statement (mask: number): Database.Statement<Value[]> {
    let stmt = statements.get(mask)
    if (!stmt) {
      const set = COLUMNS.filter((_c, i) => mask & (1 << i)).map(([column]) => `${column} = ?`)
      stmt = db.prepare<Value[]>(`UPDATE tasks SET ${[...set, 'updated_at = ?', 'version = ?'].join(', ')} WHERE id = ? AND version = ?`)
      statements.set(mask, stmt)
    }
    return stmt
  }

  return function update (next, prev) {
    const base = prev !== undefined && prev.id === next.id && prev.version === next.version - 1 ? prev : undefined
    let mask = 0
    const values: Value[] = []
    COLUMNS.forEach(([, value, changed], i) => {
      if (base !== undefined && !changed(base, next)) return
      mask |= 1 << i
      values.push(value(next))
    })
    return statement(mask).run(...values, next.updatedAt, next.version, next.id, next.version - 1).changes
  }
}
