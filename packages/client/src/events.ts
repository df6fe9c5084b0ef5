import { BffClientError } from './errors.ts'
import type { SseEventName, Task, TaskEventType, TasksReset, TaskStatus, WatchEvent } from './types.ts'

// A Record keyed by TaskStatus, so a status added on the server fails to compile here until handled.
const TERMINAL: Readonly<Record<TaskStatus, boolean>> = {
  queued: false,
  processing: false,
  succeeded: true,
  failed: true,
  canceled: true,
  timed_out: true
}

export const TASK_EVENT_TYPES = Object.keys(TERMINAL).map((s) => `task.${s}` as TaskEventType)

// Keyed by the server's other event names, so one added there fails to compile here until handled.
const OTHER_EVENTS: Readonly<Record<Exclude<SseEventName, TaskEventType>, true>> = { 'task.reset': true, 'tasks.reset': true, shutdown: true }

/** Every event name the server sends; EventSource only delivers names it was told to listen for. */
export const EVENT_NAMES: readonly SseEventName[] = [...TASK_EVENT_TYPES, ...Object.keys(OTHER_EVENTS) as (keyof typeof OTHER_EVENTS)[]]

export function isTerminal (status: TaskStatus): boolean {
  return TERMINAL[status] === true
}

/** True once a task watch has seen its task finish (directly or in a reset). */
export function endsTaskWatch (event: WatchEvent): boolean {
  if (event.type === 'reset') return event.tasks.length > 0 && event.tasks.every((t) => isTerminal(t.status))
  return isTerminal(event.task.status)
}

function asTask (value: unknown): Task {
  const t = value as Partial<Task> | null
  if (typeof t !== 'object' || t === null || typeof t.id !== 'string' || typeof t.status !== 'string' || !(t.status in TERMINAL)) {
    throw new BffClientError(0, 'BFF_CLIENT_ERR_BAD_RESPONSE', 'The event stream sent an event without a task')
  }
  return t as Task
}

function parse (data: string): unknown {
  try {
    return JSON.parse(data) as unknown
  } catch (err) {
    throw new BffClientError(0, 'BFF_CLIENT_ERR_BAD_RESPONSE', 'The event stream sent data that is not JSON', { cause: err })
  }
}

/**
 * The watch event for an SSE event, or undefined for those that are not one (`shutdown`, which is
 * followed by the end of the stream, and names this client does not know yet). Throws on bad data.
 */
export function toWatchEvent (id: number, name: string, data: string): WatchEvent | undefined {
  if (name === 'task.reset') return { id, type: 'reset', tasks: [asTask(parse(data))] }
  if (name === 'tasks.reset') {
    const tasks: unknown = (parse(data) as Partial<TasksReset> | null)?.tasks
    return { id, type: 'reset', tasks: Array.isArray(tasks) ? tasks.map(asTask) : [] }
  }
  if ((TASK_EVENT_TYPES as readonly string[]).includes(name)) return { id, type: name as TaskEventType, task: asTask(parse(data)) }
  return undefined
}
