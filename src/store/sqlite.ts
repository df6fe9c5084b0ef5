import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import type { TaskEvent, TaskRecord } from '../tasks/model.ts'
import { toPublicTask } from '../tasks/model.ts'
import { ACTIVE_COUNT_MIGRATION, createActiveCount } from './sqlite-active.ts'
import { createMetadataIndex, METADATA_MIGRATION } from './sqlite-metadata.ts'
import { createSqliteOutbox } from './sqlite-outbox.ts'
import { createSqliteRetention, RETENTION_MIGRATION } from './sqlite-retention.ts'
import { createTaskUpdates } from './sqlite-update.ts'
import { UpstreamIdTakenError, type CreateOptions, type CreateResult, type DeliveryStore, type EventLog, type ListQuery, type OutboxRouting, type StoredEvent, type TaskPage, type TaskStore } from './types.ts'

const MIGRATIONS = [
  `CREATE TABLE tasks (
     id TEXT PRIMARY KEY,
     owner TEXT NOT NULL,
     capability TEXT NOT NULL,
     status TEXT NOT NULL,
     progress INTEGER NOT NULL,
     input TEXT NOT NULL,
     outputs TEXT NOT NULL,
     error TEXT,
     upstream_task_id TEXT,
     callback_token_hash TEXT NOT NULL,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL,
     version INTEGER NOT NULL
   );
   CREATE INDEX tasks_owner_created ON tasks (owner, created_at DESC, id DESC);
   CREATE INDEX tasks_owner_status ON tasks (owner, status);
   CREATE TABLE events (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     task_id TEXT NOT NULL,
     owner TEXT NOT NULL,
     type TEXT NOT NULL,
     data TEXT NOT NULL
   );
   CREATE INDEX events_owner ON events (owner, id);
   CREATE INDEX events_task ON events (task_id, id);`,
  `ALTER TABLE tasks ADD COLUMN next_check_at INTEGER;
   ALTER TABLE tasks ADD COLUMN deadline_at INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE tasks ADD COLUMN check_attempts INTEGER NOT NULL DEFAULT 0;
   CREATE INDEX tasks_next_check ON tasks (next_check_at) WHERE next_check_at IS NOT NULL;
   CREATE TABLE idempotency (
     owner TEXT NOT NULL,
     key TEXT NOT NULL,
     body_hash TEXT NOT NULL,
     task_id TEXT NOT NULL,
     expires_at INTEGER NOT NULL,
     PRIMARY KEY (owner, key)
   );
   CREATE INDEX idempotency_expiry ON idempotency (expires_at);`,
  // An upstream id names one of our tasks at most: a callback cannot bind it to a second one.
  'CREATE UNIQUE INDEX tasks_upstream ON tasks (upstream_task_id) WHERE upstream_task_id IS NOT NULL;',
  // Every list filter reads its page straight off an index in page order: without created_at in
  // the index, a filter that matches nothing scanned all of the owner's tasks.
  `DROP INDEX tasks_owner_status;
   CREATE INDEX tasks_owner_status_created ON tasks (owner, status, created_at DESC, id DESC);
   CREATE INDEX tasks_owner_capability_created ON tasks (owner, capability, created_at DESC, id DESC);
   CREATE INDEX tasks_owner_status_capability_created ON tasks (owner, status, capability, created_at DESC, id DESC);`,
  RETENTION_MIGRATION,
  // Every task so far was ToMoviee's, the only provider there was.
  "ALTER TABLE tasks ADD COLUMN provider TEXT NOT NULL DEFAULT 'tomoviee';",
  METADATA_MIGRATION,
  ACTIVE_COUNT_MIGRATION
]

interface TaskRow {
  id: string, owner: string, capability: string, provider: string, status: string, progress: number, input: string, outputs: string
  error: string | null, upstream_task_id: string | null, callback_token_hash: string, created_at: string, updated_at: string, version: number
  next_check_at: number | null, deadline_at: number, check_attempts: number, metadata: string | null
}
interface EventRow { id: number, owner: string, type: string, data: string }

export type SqliteStore = TaskStore & EventLog & DeliveryStore

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
  // Group commit: writes requested in one event-loop turn share one transaction (each keeps its own
  // savepoint, so one failing write rolls back alone); every caller hears back only after the commit.
  type Job = { run: () => unknown, resolve: (v: never) => void, reject: (e: unknown) => void }
  let queue: Job[] = []
  const flushBatch = db.transaction((jobs: Job[]) => jobs.map((job) => {
    try { return { ok: true as const, value: job.run() } } catch (err) { return { ok: false as const, err } }
  }))
  function flush (): void {
    const jobs = queue
    queue = []
    let results: ({ ok: true, value: unknown } | { ok: false, err: unknown })[]
    try {
      results = flushBatch(jobs)
    } catch (err) {
      for (const job of jobs) job.reject(err)
      return
    }
    results.forEach((r, i) => { if (r.ok) jobs[i]!.resolve(r.value as never); else jobs[i]!.reject(r.err) })
  }
  function commitSoon<T> (run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (queue.push({ run, resolve: resolve as (v: never) => void, reject }) === 1) setImmediate(flush)
    })
  }
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
    async get (id) {
      const row = q.getTask.get(id)
      return row ? fromRow(row) : undefined
    },
    async list (query) { return list(db, query) },
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

function migrate (db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!)
      db.pragma(`user_version = ${v + 1}`)
    })()
  }
}

/** The page query for a list call; exported so a test can hold its plan to the indexes. */
export function listStatement (query: ListQuery): { sql: string, params: Record<string, string | number> } {
  // A metadata filter walks the side table's index in page order and joins each task by its key.
  const m = query.metadata
  const [from, createdAt, id, owner] = m ? ['task_metadata m JOIN tasks ON tasks.id = m.task_id', 'm.created_at', 'm.task_id', 'm.owner'] : ['tasks', 'created_at', 'id', 'owner']
  const where = [`${owner} = @owner`]
  const params: Record<string, string | number> = { owner: query.owner, limit: query.limit + 1 }
  if (m) { where.push('m.key = @mKey AND m.value = @mValue'); params.mKey = m.key; params.mValue = m.value }
  if (query.status) { where.push('tasks.status = @status'); params.status = query.status }
  if (query.capability) { where.push('tasks.capability = @capability'); params.capability = query.capability }
  const cursor = decodeCursor(query.cursor)
  if (cursor) {
    // A row value keeps the cursor a range on the index rather than a filter after it.
    where.push(`(${createdAt}, ${id}) < (@cAt, @cId)`)
    params.cAt = cursor.createdAt
    params.cId = cursor.id
  }
  return { sql: `SELECT tasks.* FROM ${from} WHERE ${where.join(' AND ')} ORDER BY ${createdAt} DESC, ${id} DESC LIMIT @limit`, params }
}

function list (db: Database.Database, query: ListQuery): TaskPage {
  const { sql, params } = listStatement(query)
  const rows = db.prepare<Record<string, string | number>, TaskRow>(sql).all(params)
  const items = rows.slice(0, query.limit).map(fromRow)
  const last = items.at(-1)
  return { items, nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null }
}

function encodeCursor (t: TaskRecord): string {
  return Buffer.from(JSON.stringify([t.createdAt, t.id])).toString('base64url')
}

function decodeCursor (cursor: string | undefined): { createdAt: string, id: string } | undefined {
  if (!cursor) return undefined
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'string') return { createdAt: value[0], id: value[1] }
  } catch {}
  return undefined
}

function toRow (t: TaskRecord): TaskRow {
  return {
    id: t.id,
    owner: t.owner,
    capability: t.capability,
    provider: t.provider,
    status: t.status,
    progress: t.progress,
    input: JSON.stringify(t.input),
    outputs: JSON.stringify(t.outputs),
    error: t.error ? JSON.stringify(t.error) : null,
    upstream_task_id: t.upstreamTaskId,
    callback_token_hash: t.callbackTokenHash,
    created_at: t.createdAt,
    updated_at: t.updatedAt,
    version: t.version,
    next_check_at: t.nextCheckAt,
    deadline_at: t.deadlineAt,
    check_attempts: t.checkAttempts,
    metadata: t.metadata && Object.keys(t.metadata).length > 0 ? JSON.stringify(t.metadata) : null
  }
}

function fromRow (r: TaskRow): TaskRecord {
  return {
    id: r.id,
    owner: r.owner,
    capability: r.capability,
    provider: r.provider,
    status: r.status as TaskRecord['status'],
    progress: r.progress,
    input: JSON.parse(r.input) as TaskRecord['input'],
    outputs: JSON.parse(r.outputs) as TaskRecord['outputs'],
    error: r.error ? JSON.parse(r.error) as TaskRecord['error'] : null,
    upstreamTaskId: r.upstream_task_id,
    callbackTokenHash: r.callback_token_hash,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    version: r.version,
    nextCheckAt: r.next_check_at,
    deadlineAt: r.deadline_at,
    checkAttempts: r.check_attempts,
    ...(r.metadata ? { metadata: JSON.parse(r.metadata) as Record<string, string> } : {})
  }
}

function toEvent (r: EventRow): TaskEvent {
  return { id: r.id, owner: r.owner, type: r.type as TaskEvent['type'], task: JSON.parse(r.data) as TaskEvent['task'] }
}
