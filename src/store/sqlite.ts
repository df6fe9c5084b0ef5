import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import type { TaskEvent, TaskRecord } from '../tasks/model.ts'
import { toPublicTask } from '../tasks/model.ts'
import { createActiveCount } from './sqlite-active.ts'
import { createGroupCommit } from './sqlite-commit.ts'
import { listTasks } from './sqlite-list.ts'
import { createMetadataIndex } from './sqlite-metadata.ts'
import { createSqliteOutbox } from './sqlite-outbox.ts'
import { createSqliteRetention } from './sqlite-retention.ts'
import { fromRow, fromRowIfAny, toEvent, toRow, type EventRow, type TaskRow } from './sqlite-rows.ts'
import { migrate } from './sqlite-schema.ts'
import { createTaskUpdates } from './sqlite-update.ts'
import { UpstreamIdTakenError, type CreateOptions, type CreateResult, type DeliveryStore, type EventLog, type OutboxRouting, type StoredEvent, type TaskStore } from './types.ts'

export { listStatement } from './sqlite-list.ts'

export type SqliteStore = TaskStore & EventLog & DeliveryStore

/**
 * WAL pages after which a commit copies the log back into the database file (SQLite's default is
 * 1,000). A checkpoint writes each page once however often the log rewrote it, so a longer
 * interval writes the hot pages (index roots, the last pages of time-ordered keys) fewer times:
 * write calls per create + bind 27.2 at 1,000 pages, 25.7 at 2,000, 24.8 at 4,000, 24.3 at
 * 10,000. The price is the pause of the commit that runs it (all pages distinct: about 8 ms at
 * 1,000, 35-40 ms at 4,000, 72 ms at 10,000) and a WAL of up to 16 MB; 4,000 takes most of the
 * saving for a pause once per ~350 creates no longer than a loaded create's p99. journal_size_limit cuts the file back to
 * that size once a checkpoint resets it.
 */
export const WAL_CHECKPOINT_PAGES = 4_000

/** The embedded default: one SQLite file in WAL mode holds tasks, the event log and the webhook outbox. */
export function createSqliteStore (path: string, opts: { outbox?: OutboxRouting | undefined } = {}): SqliteStore {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const db = new Database(path)
  // Only takes effect before the first table (and before WAL): a file made by an older version
  // keeps reusing its free pages instead of returning them, until a VACUUM converts it (README).
  if (db.pragma('user_version', { simple: true }) === 0) db.pragma('auto_vacuum = INCREMENTAL')
  db.pragma('journal_mode = WAL')
  // NORMAL in WAL mode survives a process crash; only an OS crash can lose the last commits.
  db.pragma('synchronous = NORMAL')
  db.pragma('busy_timeout = 5000')
  // Group commit runs each write in a savepoint of one transaction, and a savepoint journals every
  // page it touches: in a temporary file by default, two pwrite calls per page. In memory that is
  // half the write calls per create (measured 48 -> 25 per create and bind, batches of 8).
  db.pragma('temp_store = MEMORY')
  db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`)
  db.pragma(`journal_size_limit = ${WAL_CHECKPOINT_PAGES * (db.pragma('page_size', { simple: true }) as number)}`)
  migrate(db)
  const retention = createSqliteRetention(db)
  const outbox = createSqliteOutbox(db, opts.outbox)
  const metadataIndex = createMetadataIndex(db)
  const activeOf = createActiveCount(db)

  const q = {
    insertTask: db.prepare(`INSERT INTO tasks (id, owner, capability, provider, status, progress, input, outputs, error, upstream_task_id,
      callback_token_hash, created_at, updated_at, version, next_check_at, deadline_at, check_attempts, metadata)
      VALUES (@id, @owner, @capability, @provider, @status, @progress, @input, @outputs, @error, @upstream_task_id,
      @callback_token_hash, @created_at, @updated_at, @version, @next_check_at, @deadline_at, @check_attempts, @metadata)`),
    due: db.prepare<[number, number], TaskRow>('SELECT * FROM tasks WHERE next_check_at IS NOT NULL AND next_check_at <= ? ORDER BY next_check_at LIMIT ?'),
    getKey: db.prepare<[string, string], { body_hash: string, task_id: string, expires_at: number }>('SELECT body_hash, task_id, expires_at FROM idempotency WHERE owner = ? AND key = ?'),
    putKey: db.prepare<[string, string, string, string, number]>('INSERT OR REPLACE INTO idempotency (owner, key, body_hash, task_id, expires_at) VALUES (?, ?, ?, ?, ?)'),
    purgeKeys: db.prepare<[number]>('DELETE FROM idempotency WHERE expires_at <= ?'),
    getTask: db.prepare<[string], TaskRow>('SELECT * FROM tasks WHERE id = ?'),
    insertEvent: db.prepare<[string, string, string, string], { id: number }>('INSERT INTO events (task_id, owner, type, data) VALUES (?, ?, ?, ?) RETURNING id'),
    latest: db.prepare<[string], EventRow>('SELECT id, owner, type, data FROM events WHERE task_id = ? ORDER BY id DESC LIMIT 1'),
    afterOwner: db.prepare<[string, number, number], EventRow>('SELECT id, owner, type, data FROM events WHERE owner = ? AND id > ? ORDER BY id LIMIT ?'),
    afterTask: db.prepare<[string, string, number, number], EventRow>('SELECT id, owner, type, data FROM events WHERE owner = ? AND task_id = ? AND id > ? ORDER BY id LIMIT ?'),
    // The replay's read: without the owner column, which it already knows (a third less time per row).
    storedOwner: db.prepare<[string, number, number], StoredEvent>('SELECT id, type, data FROM events WHERE owner = ? AND id > ? ORDER BY id LIMIT ?'),
    storedTask: db.prepare<[string, string, number, number], StoredEvent>('SELECT id, type, data FROM events WHERE owner = ? AND task_id = ? AND id > ? ORDER BY id LIMIT ?'),
    active: db.prepare<[string], EventRow>(`SELECT e.id, e.owner, e.type, e.data FROM tasks t
      JOIN events e ON e.id = (SELECT MAX(id) FROM events WHERE task_id = t.id)
      WHERE t.owner = ? AND t.status IN ('queued', 'processing') ORDER BY e.id`),
    maxId: db.prepare<[], { id: number | null }>('SELECT MAX(id) AS id FROM events')
  }

  function appendEvent (task: TaskRecord): TaskEvent {
    const type = `task.${task.status}` as const
    const pub = toPublicTask(task)
    const { id } = q.insertEvent.get(task.id, task.owner, type, JSON.stringify(pub))!
    const event: TaskEvent = { id, owner: task.owner, type, task: pub }
    outbox.enqueue(event, Date.now())
    return event
  }

  const create = db.transaction((task: TaskRecord, opts: CreateOptions): CreateResult => {
    const idem = opts.idempotency
    if (idem) {
      const prior = q.getKey.get(task.owner, idem.key)
      if (prior && prior.expires_at > opts.now) return { kind: 'duplicate', taskId: prior.task_id, sameBody: prior.body_hash === idem.bodyHash }
    }
    if (activeOf(task.owner) >= opts.maxActive) return { kind: 'over-limit' }
    q.insertTask.run(toRow(task))
    metadataIndex.insert(task)
    if (idem) q.putKey.run(task.owner, idem.key, idem.bodyHash, task.id, idem.expiresAt)
    if (opts.webhookUrl) outbox.bindWebhook(task.id, opts.webhookUrl)
    return { kind: 'created', event: appendEvent(task) }
  })
  const updateOf = createTaskUpdates(db)
  const update = db.transaction((next: TaskRecord, emit: boolean, prev: TaskRecord | undefined): TaskEvent | true | null => {
    let changes: number
    try {
      changes = updateOf(next, prev)
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new UpstreamIdTakenError(next.id)
      throw err
    }
    if (changes === 0) return null
    return emit ? appendEvent(next) : true
  })
  const commitSoon = createGroupCommit(db)
  const snapshot = db.transaction((owner: string) => ({
    events: q.active.all(owner).map(toEvent),
    lastId: q.maxId.get()?.id ?? 0
  }))

  return {
    ...outbox.deliveries,
    async create (task, opts) { return commitSoon(() => create(task, opts)) },
    async due (now, limit) { return q.due.all(now, limit).map(fromRow) },
    async purgeIdempotency (now) { return q.purgeKeys.run(now).changes },
    async deleteFinished (finishedBefore, limit) { return retention.deleteFinished(finishedBefore, limit) },
    async trimmedThrough () { return retention.trimmedThrough() },
    async countAfter (filter, afterId, cap) { return retention.countAfter(filter, afterId, cap) },
    async get (id) { return fromRowIfAny(q.getTask.get(id)) },
    async getForWrite (id) {
      // Only the lookup inside the batch: the row is decoded after the commit, off the write lock.
      return fromRowIfAny(await commitSoon(() => q.getTask.get(id)))
    },
    async list (query) { return listTasks(db, query) },
    async update (next, emit, prev) { return commitSoon(() => update(next, emit, prev)) },
    async ping () { db.prepare('SELECT 1').get() },
    async close () { if (db.open) db.close() },
    async after (filter, afterId, limit) {
      const rows = filter.taskId === undefined
        ? q.afterOwner.all(filter.owner, afterId, limit)
        : q.afterTask.all(filter.owner, filter.taskId, afterId, limit)
      return rows.map(toEvent)
    },
    async afterStored (filter, afterId, limit) {
      return filter.taskId === undefined
        ? q.storedOwner.all(filter.owner, afterId, limit)
        : q.storedTask.all(filter.owner, filter.taskId, afterId, limit)
    },
    async lastId () { return q.maxId.get()?.id ?? 0 },
    async latest (taskId) {
      const row = q.latest.get(taskId)
      return row ? toEvent(row) : undefined
    },
    async snapshot (owner) { return snapshot(owner) }
  }
}
