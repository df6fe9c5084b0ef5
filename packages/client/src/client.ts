import { eventSourceStream } from './event-source.ts'
import { fetchStream } from './fetch-stream.ts'
import { createHttp } from './http.ts'
import type {
  Capability, CapabilityInput, CapabilityName, ClientOptions, Delivery, EventSourceConstructor, ListTasksQuery, Metadata,
  StreamToken, Task, TaskPage, WatchEvent, WatchOptions
} from './types.ts'
import { uploadBlob, type UploadOptions } from './upload.ts'
import { watchEvents, type StreamTransport } from './watch.ts'

export interface CreateTaskOptions {
  /** Makes retries safe: the same key and body answer the original task. Default: a fresh UUID per call. */
  idempotencyKey?: string
  /** Your own labels, returned with the task and in every event and webhook; never sent to the provider. */
  metadata?: Metadata
  signal?: AbortSignal
}

export interface RequestOptions {
  signal?: AbortSignal
}

export interface BffClient {
  /** Creates a task; a network failure is retried with the same Idempotency-Key, so it is charged once. */
  createTask: <C extends CapabilityName>(capability: C, body: CapabilityInput<C>, opts?: CreateTaskOptions) => Promise<Task>
  getTask: (id: string, opts?: RequestOptions) => Promise<Task>
  /** Cancels an unfinished task; a repeat answers the canceled task, a finished one rejects with BFF_ERR_TASK_FINISHED. */
  cancel: (id: string, opts?: RequestOptions) => Promise<Task>
  /** The signed webhook messages sent to the app's backend for a task, in event order. */
  deliveries: (id: string, opts?: RequestOptions) => Promise<Delivery[]>
  /** The caller's tasks, newest first. */
  listTasks: (query?: ListTasksQuery, opts?: RequestOptions) => Promise<TaskPage>
  /** Every capability, with the JSON Schema of its body (for building forms). */
  capabilities: (opts?: RequestOptions) => Promise<Capability[]>
  /** A token for EventSource-like consumers that cannot send headers (watch() mints its own). */
  createStreamToken: (taskId?: string, opts?: RequestOptions) => Promise<StreamToken>
  /**
   * The events of one task, ending after its terminal event, or of all the caller's tasks ('all'),
   * until aborted. Reconnects by itself; every event arrives once, in order.
   */
  watch: (taskIdOrAll: string, opts?: WatchOptions) => AsyncGenerator<WatchEvent, void, undefined>
  /** Uploads a file resumably (tus); resolves to `"upload:<id>"`, which any media field of a task accepts. */
  upload: (file: Blob, opts?: UploadOptions) => Promise<string>
}

// Two network retries, then the error: enough for a blip, not so many that a UI hangs.
const CREATE_NETWORK_RETRIES = 2
const DEFAULT_IDLE_TIMEOUT_MS = 45_000

function uuid (): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID()
  // randomUUID exists only in secure contexts; an http:// page still has getRandomValues.
  const b = crypto.getRandomValues(new Uint8Array(16))
  b[6] = (b[6]! & 0x0f) | 0x40
  b[8] = (b[8]! & 0x3f) | 0x80
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** A typed client of the BFF for browsers and Node; nothing beyond fetch (and EventSource, if present). */
export function createClient (opts: ClientOptions): BffClient {
  const http = createHttp(opts)
  const ES = opts.EventSource ?? (globalThis as { EventSource?: EventSourceConstructor }).EventSource
  const mode = opts.transport ?? (ES ? 'eventsource' : 'fetch')
  if (mode === 'eventsource' && !ES) throw new Error('The eventsource transport needs an EventSource: pass opts.EventSource')
  const idleTimeoutMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS
  const transport: StreamTransport = mode === 'eventsource' && ES
    ? (ctx) => eventSourceStream(http, ES, ctx)
    : (ctx) => fetchStream(http, ctx, idleTimeoutMs)

  const client: BffClient = {
    createTask (capability, body, o = {}) {
      return http.json<Task>(`/v1/tasks/${encodeURIComponent(capability)}`, {
        method: 'POST',
        body: o.metadata === undefined ? body : { ...body, metadata: o.metadata },
        headers: { 'idempotency-key': o.idempotencyKey ?? uuid() },
        signal: o.signal,
        networkRetries: CREATE_NETWORK_RETRIES
      })
    },
    getTask: (id, o = {}) => http.json<Task>(`/v1/tasks/${encodeURIComponent(id)}`, { signal: o.signal }),
    cancel: (id, o = {}) => http.json<Task>(`/v1/tasks/${encodeURIComponent(id)}/cancel`, { method: 'POST', signal: o.signal }),
    async deliveries (id, o = {}) {
      return (await http.json<{ items: Delivery[] }>(`/v1/tasks/${encodeURIComponent(id)}/deliveries`, { signal: o.signal })).items
    },
    listTasks (query = {}, o = {}) {
      const params = new URLSearchParams()
      for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v))
      const qs = params.toString()
      return http.json<TaskPage>(`/v1/tasks${qs === '' ? '' : `?${qs}`}`, { signal: o.signal })
    },
    async capabilities (o = {}) {
      return (await http.json<{ items: Capability[] }>('/v1/capabilities', { signal: o.signal })).items
    },
    createStreamToken: (taskId, o = {}) => http.json<StreamToken>('/v1/stream-tokens', {
      method: 'POST',
      body: taskId === undefined ? {} : { taskId },
      signal: o.signal
    }),
    watch: (target, o = {}) => watchEvents(transport, target === 'all' ? undefined : target, o, (id) => client.getTask(id)),
    upload: (file, o) => uploadBlob(http, file, o)
  }
  return client
}
