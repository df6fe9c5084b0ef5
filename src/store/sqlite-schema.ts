import type Database from 'better-sqlite3'
import { ACTIVE_COUNT_MIGRATION } from './sqlite-active.ts'
import { METADATA_FILTER_MIGRATION, METADATA_MIGRATION } from './sqlite-metadata.ts'
import { RETENTION_MIGRATION } from './sqlite-retention.ts'

// The tasks schema, one entry per version (PRAGMA user_version): entries are only ever appended.
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
  ACTIVE_COUNT_MIGRATION,
  METADATA_FILTER_MIGRATION
]

/** Brings a database file up to the newest schema version, one transaction per step. */
export function migrate (db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!)
      db.pragma(`user_version = ${v + 1}`)
    })()
  }
}
