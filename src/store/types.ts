import type { TaskEvent, TaskRecord, TaskStatus } from '../tasks/model.ts'

export interface ListQuery {
  owner: string
  status?: TaskStatus | undefined
  capability?: string | undefined
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string | undefined
  limit: number
}

export interface TaskPage { items: TaskRecord[], nextCursor: string | null }

/** Durable task state. Every write that changes what clients see appends an event in the same atomic step. */
export interface TaskStore {
  /**
   * Inserts a new task (version 1) together with its first event, unless the owner already has
   * `maxActive` unfinished tasks: then nothing is written and it resolves to null. The count and
   * the insert are one atomic step. Fails if the id exists.
   */
  create: (task: TaskRecord, limits: { maxActive: number }) => Promise<TaskEvent | null>
  get: (id: string) => Promise<TaskRecord | undefined>
  /** The owner's tasks, newest first. A malformed cursor is treated as the first page. */
  list: (query: ListQuery) => Promise<TaskPage>
  /**
   * Replaces the task if the stored version is `next.version - 1` (compare-and-set). With `emit`,
   * appends a `task.<status>` event carrying the new public task. Resolves to the event (or
   * `true` when not emitting), or null when another writer got there first; it must not throw
   * on a conflict.
   */
  update: (next: TaskRecord, emit: boolean) => Promise<TaskEvent | true | null>
  /** Throws when the store cannot serve requests. */
  ping: () => Promise<void>
  close: () => Promise<void>
}

/** The ordered, replayable history behind SSE ids. */
export interface EventLog {
  /** Events after `afterId` (exclusive), ascending, for one owner and optionally one task. */
  after: (filter: { owner: string, taskId?: string | undefined }, afterId: number, limit: number) => Promise<TaskEvent[]>
  /** The newest event of a task: its current state with the id a client resumes from. */
  latest: (taskId: string) => Promise<TaskEvent | undefined>
  /**
   * Taken atomically for a fresh all-tasks stream: the newest event of each of the owner's
   * unfinished tasks (ascending ids) and the highest event id at that instant.
   */
  snapshot: (owner: string) => Promise<{ events: TaskEvent[], lastId: number }>
}
