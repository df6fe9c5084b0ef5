// The data types are generated from the server's zod schemas (generated.ts); the rest is the client's own.
import type { CapabilityInputs, Task, TaskEvent, TaskStatus } from './generated.ts'

export type {
  Capability, CapabilityInputs, Delivery, ErrorCode, FileOutput, Metadata, Output, OutputCustody, OutputType, SourceOutput,
  SseEventName, Task, TaskError, TaskEvent, TaskEventType, TasksReset, TaskStatus, WebhookPayload
} from './generated.ts'

export type CapabilityName = keyof CapabilityInputs
export type CapabilityInput<C extends CapabilityName> = CapabilityInputs[C]

export interface TaskPage {
  items: Task[]
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null
}

export interface ListTasksQuery {
  status?: TaskStatus
  capability?: CapabilityName
  /** 1-100, default 20. */
  limit?: number
  cursor?: string
  /** With metadataValue: only tasks whose metadata has this key set to exactly that value. */
  metadataKey?: string
  metadataValue?: string
}

export interface StreamToken {
  token: string
  expiresAt: string
}

/**
 * The history since the resume point is gone (distributed mode trims it), so the server sent the
 * current state instead of a silent gap: the task, for a task watch; the unfinished tasks, for
 * 'all' (list the others with listTasks).
 */
export interface ResetEvent {
  id: number
  type: 'reset'
  tasks: Task[]
}

export type WatchEvent = TaskEvent | ResetEvent

export interface WatchOptions {
  /** Aborting ends the iteration cleanly and closes the connection. */
  signal?: AbortSignal
  /** Resume after this event id (replays exactly what followed it). */
  lastEventId?: number
  onEvent?: (event: TaskEvent) => void
  onReset?: (event: ResetEvent) => void
}

/** An API key or JWT; a function is asked before every request, so it can hand out refreshed JWTs. */
export type Credentials = string | (() => string | Promise<string>)

/** The part of a MessageEvent (or an error event) the client reads. */
export interface EventSourceEventLike {
  readonly data?: unknown
  readonly lastEventId?: string
}

/** The part of the browser EventSource the client uses, so polyfills fit too. */
export interface EventSourceLike {
  readonly readyState: number
  addEventListener (type: string, listener: (event: EventSourceEventLike) => void): void
  close (): void
}
export type EventSourceConstructor = new (url: string) => EventSourceLike

export interface ClientOptions {
  /** Where the BFF is, e.g. https://bff.example.com (a path such as /api works in browsers). */
  baseUrl: string
  credentials: Credentials
  fetch?: typeof fetch
  /** An EventSource implementation; browsers have one built in. */
  EventSource?: EventSourceConstructor
  /** How watch() connects: EventSource when one is available, else streaming fetch. */
  transport?: 'fetch' | 'eventsource'
  /** The fetch transport reconnects a stream that stayed silent this long (heartbeats come every 15 s by default). */
  idleTimeoutMs?: number
}
