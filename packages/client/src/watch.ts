import { BffClientError } from './errors.ts'
import { endsTaskWatch, isTerminal, toWatchEvent } from './events.ts'
import type { SseFrame } from './sse-parser.ts'
import type { Task, WatchEvent, WatchOptions } from './types.ts'

/** What a transport gets from the watch: where to connect, where to resume, and where frames go. */
export interface StreamContext {
  /** The SSE route: /v1/events or /v1/tasks/{id}/events. */
  readonly path: string
  readonly taskId: string | undefined
  /** Aborted once the watch is over: close the connection and return. */
  readonly signal: AbortSignal
  /** The last id seen, to resume after (Last-Event-ID). */
  cursor: () => number | undefined
  /** A connection was accepted (HTTP 200). */
  opened: () => void
  frame: (frame: SseFrame) => void
  /** A connection ended; resolves once the watch has decided whether it is over. */
  ended: () => Promise<void>
}

/** Runs until the signal aborts; rejects only for failures a reconnect cannot fix. */
export type StreamTransport = (ctx: StreamContext) => Promise<void>

/** A minimal async queue: items in order, then the end or an error. */
class Queue<T> {
  #items: T[] = []
  #closed = false
  #failed = false
  #error: unknown
  #wake: (() => void) | undefined

  push (item: T): void {
    if (this.#closed) return
    this.#items.push(item)
    this.#notify()
  }

  /** Ends after the queued items; with `discard`, at once. */
  end (discard = false): void {
    if (discard) this.#items = []
    this.#closed = true
    this.#notify()
  }

  fail (error: unknown): void {
    if (this.#closed) return
    this.#failed = true
    this.#error = error
    this.end()
  }

  async next (): Promise<IteratorResult<T, undefined>> {
    for (;;) {
      if (this.#items.length > 0) return { done: false, value: this.#items.shift() as T }
      if (this.#failed) throw this.#error
      if (this.#closed) return { done: true, value: undefined }
      await new Promise<void>((resolve) => { this.#wake = resolve })
    }
  }

  #notify (): void {
    const wake = this.#wake
    this.#wake = undefined
    wake?.()
  }
}

/**
 * The events of one task (ending after its terminal event) or of all the caller's tasks (until
 * aborted), over any transport. Ids only increase on a stream, so anything at or below the last
 * id seen is a repeat and is dropped, whatever the reconnects did.
 */
export async function * watchEvents (
  transport: StreamTransport,
  taskId: string | undefined,
  opts: WatchOptions,
  getTask: (id: string) => Promise<Task>
): AsyncGenerator<WatchEvent, void, undefined> {
  if (opts.signal?.aborted) return
  const stop = new AbortController()
  const queue = new Queue<WatchEvent>()
  let cursor = opts.lastEventId
  let seenOnConnection = 0

  const finish = (): void => { queue.end(); stop.abort() }
  const cancel = (): void => { queue.end(true); stop.abort() }
  const fail = (err: unknown): void => { queue.fail(err); stop.abort() }
  opts.signal?.addEventListener('abort', cancel, { once: true })

  const ctx: StreamContext = {
    path: taskId === undefined ? '/v1/events' : `/v1/tasks/${encodeURIComponent(taskId)}/events`,
    taskId,
    signal: stop.signal,
    cursor: () => cursor,
    opened: () => { seenOnConnection = 0 },
    frame (frame) {
      if (stop.signal.aborted) return
      const id = frame.id !== undefined && /^\d+$/.test(frame.id) ? Number(frame.id) : undefined
      if (id !== undefined) {
        if (cursor !== undefined && id <= cursor) return
        // A bare id (after the snapshot of /v1/events) only moves the cursor.
        cursor = id
      }
      if (id === undefined || frame.event === undefined || frame.data === undefined) return
      let event: WatchEvent | undefined
      try {
        event = toWatchEvent(id, frame.event, frame.data)
      } catch (err) {
        fail(err)
        return
      }
      if (!event) return
      seenOnConnection++
      queue.push(event)
      if (taskId !== undefined && endsTaskWatch(event)) finish()
    },
    async ended () {
      if (taskId === undefined || seenOnConnection > 0 || stop.signal.aborted) return
      // A task stream that was accepted and ended with nothing: the server had nothing after our
      // id, so if the task is finished we resumed after its terminal event and nothing more comes.
      try {
        if (isTerminal((await getTask(taskId)).status)) finish()
      } catch (err) {
        if (err instanceof BffClientError && err.status === 404) fail(err)
        // Anything else: the reconnect finds out.
      }
    }
  }

  transport(ctx).then(finish, fail)
  try {
    for (;;) {
      const next = await queue.next()
      if (next.done) return
      const event = next.value
      if (event.type === 'reset') opts.onReset?.(event)
      else opts.onEvent?.(event)
      yield event
    }
  } finally {
    opts.signal?.removeEventListener('abort', cancel)
    stop.abort()
  }
}
