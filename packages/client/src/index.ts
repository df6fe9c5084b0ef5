/**
 * The BFF's client for browsers and Node: `import { createClient } from '@tomoviee-bff/client'`.
 * Runtime dependencies: none beyond the platform (fetch, streams, AbortController, EventSource).
 */
export { createClient } from './client.ts'
export type { BffClient, CreateTaskOptions, RequestOptions } from './client.ts'
export { BffClientError } from './errors.ts'
export type { UploadOptions } from './upload.ts'
export type { ClientErrorCode, Issue } from './errors.ts'
export type {
  Capability, CapabilityInput, CapabilityInputs, CapabilityName, ClientOptions, Credentials, Delivery, ErrorCode,
  EventSourceConstructor, EventSourceEventLike, EventSourceLike, FileOutput, ListTasksQuery, Metadata, Output, OutputCustody, OutputType, SourceOutput,
  ResetEvent, SseEventName, StreamToken, Task, TaskError, TaskEvent, TaskEventType, TaskPage, TasksReset, TaskStatus, WatchEvent,
  WatchOptions, WebhookPayload
} from './types.ts'
