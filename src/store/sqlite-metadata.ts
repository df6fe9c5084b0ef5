import type Database from 'better-sqlite3'
import type { TaskRecord } from '../tasks/model.ts'

/**
 * Appended to the store's migrations. The task's metadata is a JSON column; a side table holds
 * one row per key so a metadata filter reads its page straight off an index in page order (an
 * expression index cannot cover "any key"). A trigger keeps the side table in step with deletes,
 * so retention needs no change.
 */
export const METADATA_MIGRATION = `ALTER TABLE tasks ADD COLUMN metadata TEXT;
   CREATE TABLE task_metadata (
     owner TEXT NOT NULL,
     key TEXT NOT NULL,
     value TEXT NOT NULL,
     created_at TEXT NOT NULL,
     task_id TEXT NOT NULL,
     PRIMARY KEY (task_id, key)
   ) WITHOUT ROWID;
   CREATE INDEX task_metadata_filter ON task_metadata (owner, key, value, created_at DESC, task_id DESC);
   CREATE TRIGGER tasks_metadata_deleted AFTER DELETE ON tasks BEGIN
     DELETE FROM task_metadata WHERE task_id = old.id;
   END;`

/** Writes a new task's metadata rows; call inside the create transaction. Metadata never changes after create. */
export function createMetadataIndex (db: Database.Database): { insert: (task: TaskRecord) => void } {
  const put = db.prepare<[string, string, string, string, string]>('INSERT INTO task_metadata (owner, key, value, created_at, task_id) VALUES (?, ?, ?, ?, ?)')
  return {
    insert (task) {
      for (const [key, value] of Object.entries(task.metadata ?? {})) put.run(task.owner, key, value, task.createdAt, task.id)
    }
  }
}
