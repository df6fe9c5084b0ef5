import type Database from 'better-sqlite3'
import type { TaskRecord } from '../tasks/model.ts'
import { fromRow, type TaskRow } from './sqlite-rows.ts'
import type { ListQuery, TaskPage } from './types.ts'

/** The page query for a list call; exported so a test can hold its plan to the indexes. */
export function listStatement (query: ListQuery): { sql: string, params: Record<string, string | number> } {
  // A metadata filter walks the side table's index in page order and joins each task by its key.
  const m = query.metadata
  const [from, createdAt, id, owner] = m ? ['task_metadata m JOIN tasks ON tasks.id = m.task_id', 'm.created_at', 'm.task_id', 'm.owner'] : ['tasks', 'created_at', 'id', 'owner']
  const where = [`${owner} = @owner`]
  const params: Record<string, string | number> = { owner: query.owner, limit: query.limit + 1 }
  if (m) { where.push('m.key = @mKey AND m.value = @mValue'); params.mKey = m.key; params.mValue = m.value }
  // With metadata, the side table's own copies, so the walk stays on one of its indexes.
  const on = m ? 'm' : 'tasks'
  if (query.status) { where.push(`${on}.status = @status`); params.status = query.status }
  if (query.capability) { where.push(`${on}.capability = @capability`); params.capability = query.capability }
  const cursor = decodeCursor(query.cursor)
  if (cursor) {
    // A row value keeps the cursor a range on the index rather than a filter after it.
    where.push(`(${createdAt}, ${id}) < (@cAt, @cId)`)
    params.cAt = cursor.createdAt
    params.cId = cursor.id
  }
  return { sql: `SELECT tasks.* FROM ${from} WHERE ${where.join(' AND ')} ORDER BY ${createdAt} DESC, ${id} DESC LIMIT @limit`, params }
}

export function listTasks (db: Database.Database, query: ListQuery): TaskPage {
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
