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

/**
 * A metadata filter combined with a status or capability checked each task after the metadata walk,
 * so a common value with a rare status read every row of the value (40 ms at 100,000 tasks on one
 * owner). The side table carries both, with an index each; capability never changes, and a trigger
 * follows status changes, which only the few updates that change the status pay (progress-only
 * callbacks leave status out of their SET and do not fire it).
 */
export const METADATA_FILTER_MIGRATION = `ALTER TABLE task_metadata ADD COLUMN status TEXT NOT NULL DEFAULT '';
   ALTER TABLE task_metadata ADD COLUMN capability TEXT NOT NULL DEFAULT '';
   UPDATE task_metadata SET (status, capability) = (SELECT status, capability FROM tasks WHERE tasks.id = task_metadata.task_id);
   CREATE INDEX task_metadata_status ON task_metadata (owner, key, value, status, created_at DESC, task_id DESC);
   CREATE INDEX task_metadata_capability ON task_metadata (owner, key, value, capability, created_at DESC, task_id DESC);
   CREATE TRIGGER tasks_metadata_status AFTER UPDATE OF status ON tasks WHEN new.status IS NOT old.status BEGIN
     UPDATE task_metadata SET status = new.status WHERE task_id = new.id;
   END;`

/** Writes a new task's metadata rows; call inside the create transaction. Metadata never changes after create. */
export function createMetadataIndex (db: Database.Database): { insert: (task: TaskRecord) => void } {
  const put = db.prepare<[string, string, string, string, string, string, string]>('INSERT INTO task_metadata (owner, key, value, created_at, task_id, status, capability) VALUES (?, ?, ?, ?, ?, ?, ?)')
  return {
    insert (task) {
      for (const [key, value] of Object.entries(task.metadata ?? {})) put.run(task.owner, key, value, task.createdAt, task.id, task.status, task.capability)
    }
  }
}
