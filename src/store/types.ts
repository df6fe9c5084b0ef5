import type { TaskEvent, TaskEventType, TaskRecord, TaskStatus } from '../tasks/model.ts'

export interface ListQuery {
  owner: string
  status?: TaskStatus | undefined
  capability?: string | undefined
  /** Only tasks whose metadata has `key` set to exactly `value`. */
  metadata?: { key: string, value: string } | undefined
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string | undefined
  limit: number
}

export interface TaskPage { items: TaskRecord[], nextCursor: string | null }

export interface CreateOptions {
  /** The owner's unfinished tasks may not exceed this. */
  maxActive: number
  /** Records `key` for the owner together with the task, unless a live record exists. */
  idempotency?: { key: string, bodyHash: string, expiresAt: number } | undefined
  now: number
  /** The task's own webhook URL (already checked): every event of the task is delivered there too. */
  webhookUrl?: string | undefined
}

export type CreateResult =
  | { kind: 'created', event: TaskEvent }
  /** The key was used before (and has not expired): nothing was written. */
  | { kind: 'duplicate', taskId: string, sameBody: boolean }
  | { kind: 'over-limit' }

/** The upstream task id is already bound to another of our tasks. */
export class UpstreamIdTakenError extends Error {
  readonly taskId: string
  constructor (taskId: string) {
    super(`The upstream task id is already bound to another task than ${taskId}`)
    this.name = 'UpstreamIdTakenError'
    this.taskId = taskId
  }
}

/** Durable task state. Every write that changes what clients see appends an event in the same atomic step. */
export interface TaskStore {
  /**
   * Inserts a new task (version 1) with its first event and, if given, its idempotency key, as
   * one atomic step: a live key for the same owner wins (duplicate), then the active-task cap
   * (over-limit). Concurrent calls with one key create at most one task. Fails if the id exists.
   */
  create: (task: TaskRecord, opts: CreateOptions) => Promise<CreateResult>
  get: (id: string) => Promise<TaskRecord | undefined>
  /**
   * `get` for a caller about to write the task (a callback's authorization): the read joins the
   * next shared write transaction instead of opening a read transaction of its own, and sees every
   * write committed before it. Stores without group commit leave it out (callers use `get`).
   */
  getForWrite?: (id: string) => Promise<TaskRecord | undefined>
  /** The owner's tasks, newest first. A malformed cursor is treated as the first page. */
  list: (query: ListQuery) => Promise<TaskPage>
  /**
   * Replaces the task if the stored version is `next.version - 1` (compare-and-set). With `emit`,
   * appends a `task.<status>` event carrying the new public task. Resolves to the event (or
   * `true` when not emitting), or null when another writer got there first; it must not throw
   * on a conflict. An upstream task id belongs to one task only: when `next.upstreamTaskId` is
   * already recorded on another task, nothing is written and it rejects with UpstreamIdTakenError.
   * `prev`, the version the writer read and changed, lets a store write only what differs.
   */
  update: (next: TaskRecord, emit: boolean, prev?: TaskRecord) => Promise<TaskEvent | true | null>
  /** Unfinished tasks whose next reconciliation is due at `now`, earliest first. */
  due: (now: number, limit: number) => Promise<TaskRecord[]>
  /** Forgets idempotency keys that expired before `now`; resolves to how many. */
  purgeIdempotency: (now: number) => Promise<number>
  /**
   * Deletes up to `limit` tasks that reached a terminal state before `finishedBefore` (ms), with
   * their events, in one short write; resolves to how many. Unfinished tasks are never touched.
   * Stores that keep everything may leave it out.
   */
  deleteFinished?: (finishedBefore: number, limit: number) => Promise<number>
  /** Throws when the store cannot serve requests. */
  ping: () => Promise<void>
  close: () => Promise<void>
}

/** An event as the log holds it: the public task still the JSON text it was written as. */
export interface StoredEvent {
  id: number
  type: TaskEventType
  data: string
}

/** The ordered, replayable history behind SSE ids. */
export interface EventLog {
  /** Events after `afterId` (exclusive), ascending, for one owner and optionally one task. */
  after: (filter: { owner: string, taskId?: string | undefined }, afterId: number, limit: number) => Promise<TaskEvent[]>
  /**
   * `after` without parsing the tasks: a replay forwards the stored JSON as it is, which spares it
   * a parse and a stringify per event (most of a long replay's CPU and garbage).
   */
  afterStored: (filter: { owner: string, taskId?: string | undefined }, afterId: number, limit: number) => Promise<StoredEvent[]>
  /**
   * The highest event id committed so far, across owners (0 when none). Every event up to it is
   * readable: ids are allocated in commit order, so a reader never sees id N before N - 1.
   */
  lastId: () => Promise<number>
  /** The newest event of a task: its current state with the id a client resumes from. */
  latest: (taskId: string) => Promise<TaskEvent | undefined>
  /**
   * Taken atomically for a fresh all-tasks stream: the newest event of each of the owner's
   * unfinished tasks (ascending ids) and the highest event id at that instant.
   */
  snapshot: (owner: string) => Promise<{ events: TaskEvent[], lastId: number }>
  /**
   * The highest event id this log no longer holds for the filter (0 when nothing was trimmed).
   * A client resuming from an id below it has missed events that cannot be replayed.
   * Logs that never trim may leave it out.
   */
  trimmedThrough?: (filter: { owner: string, taskId?: string | undefined }) => Promise<number>
  /** How many events follow `afterId` for the filter, counting no further than `cap`. */
  countAfter?: (filter: { owner: string, taskId?: string | undefined }, afterId: number, cap: number) => Promise<number>
}

/**
 * Decides, as each event is written, which webhook messages it becomes: the store writes them to
 * its outbox in the same atomic step as the event (see src/webhooks).
 */
export interface OutboxRouting {
  /** Keys of the configured endpoints that want this event. */
  endpoints: (owner: string, type: TaskEventType) => readonly string[]
  /** Whether creates may name a webhook URL of their own (WEBHOOK_ALLOW_HOSTS). */
  taskWebhooks?: boolean
  /** Told after a write that may have enqueued messages, so a local worker starts at once. */
  enqueued?: () => void
}

export type DeliveryState = 'pending' | 'delivered' | 'failed'

/** One event for one endpoint: a Standard Webhooks message, its id stable across attempts. */
export interface OutboxMessage {
  id: string
  taskId: string
  owner: string
  eventId: number
  /** A configured endpoint's key, or `task` for the task's own webhook URL. */
  endpoint: string
  /** The task's webhook URL for `task` messages; null otherwise. */
  url: string | null
  type: TaskEventType
  /** The public task as of the event (JSON). */
  data: string
  createdAt: number
  state: DeliveryState
  /** Attempts since the message was (re)scheduled. */
  attempts: number
  nextAttemptAt: number | null
  lastAttemptAt: number | null
  lastStatus: number | null
  lastError: string | null
}

export interface AttemptOutcome {
  at: number
  status: number | null
  error: string | null
  state: DeliveryState
  /** Null once the message is delivered or given up. */
  nextAttemptAt: number | null
}

/** The outbox of webhook messages, written with the events (OutboxRouting) and drained by src/webhooks/worker.ts. */
export interface DeliveryStore {
  /**
   * Due messages (next attempt at or before `now`), at most `limit`, each leased to `claim` until
   * `leaseUntil`: no other caller gets them before then, and a crashed caller's lease runs out.
   */
  claimDeliveries: (now: number, limit: number, leaseUntil: number, claim: string) => Promise<OutboxMessage[]>
  /** Records an attempt; false (nothing written) when the message's lease is no longer `claim`'s. */
  recordAttempt: (id: string, claim: string, outcome: AttemptOutcome) => Promise<boolean>
  /** A task's messages in event order, at most `limit`. */
  deliveries: (taskId: string, limit: number) => Promise<OutboxMessage[]>
  /** Schedules another round of attempts from `now`; null when the task has no such message. */
  redeliver: (taskId: string, id: string, now: number) => Promise<OutboxMessage | null>
  /** Forgets messages finished before `before`; resolves to how many (stores that expire them may answer 0). */
  purgeDeliveries: (before: number) => Promise<number>
}

export function isDeliveryStore (store: object): store is DeliveryStore {
  return typeof (store as Partial<DeliveryStore>).claimDeliveries === 'function'
}
