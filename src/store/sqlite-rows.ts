import type { TaskEvent, TaskRecord } from '../tasks/model.ts'

// How a task and an event are laid out in their SQLite rows, and back.
export interface TaskRow {
  id: string, owner: string, capability: string, provider: string, status: string, progress: number, input: string, outputs: string
  error: string | null, upstream_task_id: string | null, callback_token_hash: string, created_at: string, updated_at: string, version: number
  next_check_at: number | null, deadline_at: number, check_attempts: number, metadata: string | null
}
export interface EventRow { id: number, owner: string, type: string, data: string }

export function toRow (t: TaskRecord): TaskRow {
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

/** A looked-up row, decoded; `undefined` when there was none. */
export function fromRowIfAny (r: TaskRow | undefined): TaskRecord | undefined {
  return r ? fromRow(r) : undefined
}

export function fromRow (r: TaskRow): TaskRecord {
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

export function toEvent (r: EventRow): TaskEvent {
  return { id: r.id, owner: r.owner, type: r.type as TaskEvent['type'], task: JSON.parse(r.data) as TaskEvent['task'] }
}
