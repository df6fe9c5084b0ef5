// Type-only: every import here is erased at build time, so the client ships without zod or server code.
import type { z } from 'zod'
import type { ErrorCode } from '../errors.ts'
import type { Capability } from '../tasks/capabilities/describe.ts'
import type { framesToVideo } from '../tasks/capabilities/frames-to-video.ts'
import type { imageRecognition } from '../tasks/capabilities/image-recognition.ts'
import type { imageRedraw } from '../tasks/capabilities/image-redraw.ts'
import type { imageToImage } from '../tasks/capabilities/image-to-image.ts'
import type { imageToVideo } from '../tasks/capabilities/image-to-video.ts'
import type { textToMusic } from '../tasks/capabilities/text-to-music.ts'
import type { textToSfx } from '../tasks/capabilities/text-to-sfx.ts'
import type { textToSpeech } from '../tasks/capabilities/text-to-speech.ts'
import type { textToVideo } from '../tasks/capabilities/text-to-video.ts'
import type { videoContinuation } from '../tasks/capabilities/video-continuation.ts'
import type { videoScoring } from '../tasks/capabilities/video-scoring.ts'
import type { Output, OutputType, Task, TaskError, TaskEventType, TaskStatus } from '../tasks/model.ts'

export type { Capability, ErrorCode, Output, OutputType, Task, TaskError, TaskEventType, TaskStatus }

/** The request body of each capability, exactly as the server's schema accepts it (defaulted fields optional). */
export interface CapabilityInputs {
  'video-scoring': z.input<typeof videoScoring.input>
  'text-to-music': z.input<typeof textToMusic.input>
  'text-to-sfx': z.input<typeof textToSfx.input>
  'text-to-speech': z.input<typeof textToSpeech.input>
  'text-to-video': z.input<typeof textToVideo.input>
  'image-to-video': z.input<typeof imageToVideo.input>
  'frames-to-video': z.input<typeof framesToVideo.input>
  'video-continuation': z.input<typeof videoContinuation.input>
  'image-to-image': z.input<typeof imageToImage.input>
  'image-redraw': z.input<typeof imageRedraw.input>
  'image-recognition': z.input<typeof imageRecognition.input>
}
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
}

export interface StreamToken {
  token: string
  expiresAt: string
}

/** A state change: `type` is `task.<status>` and `task` the full task after it; `id` is the SSE id. */
export interface TaskEvent {
  id: number
  type: TaskEventType
  task: Task
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
