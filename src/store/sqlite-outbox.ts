import type Database from 'better-sqlite3'
import type { TaskEvent } from '../tasks/model.ts'
import type { DeliveryStore, OutboxMessage, OutboxRouting } from './types.ts'

// A schema of its own, versioned apart from the tasks' migrations so the two evolve independently.
const MIGRATIONS = [
  `CREATE TABLE outbox (
     id TEXT PRIMARY KEY,
     task_id TEXT NOT NULL,
     owner TEXT NOT NULL,
     event_id INTEGER NOT NULL,
     endpoint TEXT NOT NULL,
     url TEXT,
     type TEXT NOT NULL,
     data TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     state TEXT NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     next_attempt_at INTEGER,
     last_attempt_at INTEGER,
     last_status INTEGER,
     last_error TEXT,
     finished_at INTEGER,
     claim TEXT
   );
   CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
   CREATE INDEX outbox_task ON outbox (task_id, event_id);
   CREATE INDEX outbox_finished ON outbox (finished_at) WHERE finished_at IS NOT NULL;
   CREATE TABLE task_webhooks (task_id TEXT PRIMARY KEY, url TEXT NOT NULL);`
]

interface Row {
  id: string, task_id: string, owner: string, event_id: number, endpoint: string, url: string | null, type: string, data: string
  created_at: number, state: string, attempts: number, next_attempt_at: number | null, last_attempt_at: number | null
  last_status: number | null, last_error: string | null
}

export interface SqliteOutbox {
  /** Inside the task's create transaction. */
  bindWebhook: (taskId: string, url: string) => void
  /** Inside the event's transaction. */
  enqueue: (event: TaskEvent, now: number) => void
  deliveries: DeliveryStore
}

export function createSqliteOutbox (db: Database.Database, routing: OutboxRouting | undefined): SqliteOutbox {
  migrate(db)
  const q = {
    bind: db.prepare<[string, string]>('INSERT OR REPLACE INTO task_webhooks (task_id, url) VALUES (?, ?)'),
    hook: db.prepare<[string], { url: string }>('SELECT url FROM task_webhooks WHERE task_id = ?'),
    insert: db.prepare(`INSERT INTO outbox (id, task_id, owner, event_id, endpoint, url, type, data, created_at, state, next_attempt_at)
      VALUES (@id, @task_id, @owner, @event_id, @endpoint, @url, @type, @data, @now, 'pending', @now)`),
    claim: db.prepare<{ now: number, limit: number, until: number, claim: string }, Row>(`UPDATE outbox SET next_attempt_at = @until, claim = @claim
      WHERE id IN (SELECT id FROM outbox WHERE next_attempt_at IS NOT NULL AND next_attempt_at <= @now ORDER BY next_attempt_at LIMIT @limit)
      RETURNING *`),
    record: db.prepare(`UPDATE outbox SET state = @state, attempts = attempts + 1, last_attempt_at = @at, last_status = @status,
      last_error = @error, next_attempt_at = @next, finished_at = @finished, claim = NULL WHERE id = @id AND claim = @claim`),
    list: db.prepare<[string, number], Row>('SELECT * FROM outbox WHERE task_id = ? ORDER BY event_id, id LIMIT ?'),
    redeliver: db.prepare<{ id: string, task: string, now: number }, Row>(`UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = @now,
      finished_at = NULL, claim = NULL WHERE id = @id AND task_id = @task RETURNING *`),
    purge: db.prepare<[number]>('DELETE FROM outbox WHERE finished_at IS NOT NULL AND finished_at < ?')
  }
  // Saves a lookup per event while no task has a webhook URL of its own.
  let anyHooks = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM task_webhooks').get()!.n > 0
  let notifying = false
  const notify = (): void => {
    // Runs after the synchronous transaction that enqueued has committed.
    if (!routing?.enqueued || notifying) return
    notifying = true
    setImmediate(() => { notifying = false; routing.enqueued?.() })
  }

  return {
    bindWebhook (taskId, url) {
      q.bind.run(taskId, url)
      anyHooks = true
    },
    enqueue (event, now) {
      if (!routing) return
      const base = { task_id: event.task.id, owner: event.owner, event_id: event.id, type: event.type, data: JSON.stringify(event.task), now }
      const endpoints = routing.endpoints(event.owner, event.type)
      for (const endpoint of endpoints) q.insert.run({ ...base, id: messageId(event, endpoint), endpoint, url: null })
      const hook = anyHooks ? q.hook.get(event.task.id) : undefined
      if (hook) q.insert.run({ ...base, id: messageId(event, 'task'), endpoint: 'task', url: hook.url })
      if (endpoints.length > 0 || hook) notify()
    },
    deliveries: {
      async claimDeliveries (now, limit, leaseUntil, claim) {
        if (limit <= 0) return []
        return q.claim.all({ now, limit, until: leaseUntil, claim }).map(fromRow)
      },
      async recordAttempt (id, claim, o) {
        const finished = o.nextAttemptAt === null ? o.at : null
        return q.record.run({ id, claim, state: o.state, at: o.at, status: o.status, error: o.error, next: o.nextAttemptAt, finished }).changes > 0
      },
      async deliveries (taskId, limit) { return q.list.all(taskId, limit).map(fromRow) },
      async redeliver (taskId, id, now) {
        const row = q.redeliver.get({ id, task: taskId, now })
        if (row) notify()
        return row ? fromRow(row) : null
      },
      async purgeDeliveries (before) { return q.purge.run(before).changes }
    }
  }
}

/** Unique per event and endpoint, and across databases (task ids are UUIDs): receivers deduplicate on it. */
export function messageId (event: { id: number, task: { id: string } }, endpoint: string): string {
  return `msg_${event.task.id}_${event.id}_${endpoint}`
}

function migrate (db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_parts (part TEXT PRIMARY KEY, version INTEGER NOT NULL)')
  const row = db.prepare<[string], { version: number }>('SELECT version FROM schema_parts WHERE part = ?').get('outbox')
  for (let v = row?.version ?? 0; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!)
      db.prepare('INSERT OR REPLACE INTO schema_parts (part, version) VALUES (?, ?)').run('outbox', v + 1)
    })()
  }
}

function fromRow (r: Row): OutboxMessage {
  return {
    id: r.id,
    taskId: r.task_id,
    owner: r.owner,
    eventId: r.event_id,
    endpoint: r.endpoint,
    url: r.url,
    type: r.type as OutboxMessage['type'],
    data: r.data,
    createdAt: r.created_at,
    state: r.state as OutboxMessage['state'],
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastAttemptAt: r.last_attempt_at,
    lastStatus: r.last_status,
    lastError: r.last_error
  }
}
