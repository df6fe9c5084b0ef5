// Generated from the server's zod schemas by `npm run client:types`; do not edit.
// test/client/types.test.ts fails when this file and the schemas drift apart.

/** Where a task is in its life: queued -> processing -> one of the terminal states. */
export type TaskStatus = "queued" | "processing" | "succeeded" | "failed" | "canceled" | "timed_out"

/** The kind of output a task produced: a file kind, or `source` for inline text. */
export type OutputType = "audio" | "video" | "image" | "mask" | "vector" | "source"

/** The stable error codes of the BFF (the `code` of every error body). */
export type ErrorCode = "BFF_ERR_VALIDATION" | "BFF_ERR_BAD_JSON" | "BFF_ERR_BAD_REQUEST" | "BFF_ERR_METADATA_LIMIT" | "BFF_ERR_AUTH_MISSING" | "BFF_ERR_AUTH_INVALID" | "BFF_ERR_AUTH_EXPIRED" | "BFF_ERR_STREAM_TOKEN_INVALID" | "BFF_ERR_STREAM_TOKEN_EXPIRED" | "BFF_ERR_OPERATORS_ONLY" | "BFF_ERR_NOT_FOUND" | "BFF_ERR_TASK_NOT_FOUND" | "BFF_ERR_TASK_FINISHED" | "BFF_ERR_DELIVERY_NOT_FOUND" | "BFF_ERR_PAYLOAD_TOO_LARGE" | "BFF_ERR_UNSUPPORTED_MEDIA_TYPE" | "BFF_ERR_INPUT_UNREACHABLE" | "BFF_ERR_RATE_LIMITED" | "BFF_ERR_IDEMPOTENCY_MISMATCH" | "BFF_ERR_TOO_MANY_ACTIVE_TASKS" | "BFF_ERR_TOO_MANY_STREAMS" | "BFF_ERR_STREAMS_FULL" | "BFF_ERR_WEBHOOK_UNAUTHORIZED" | "BFF_ERR_WEBHOOK_INVALID" | "BFF_ERR_UPSTREAM_BAD_RESPONSE" | "BFF_ERR_UPSTREAM_REJECTED" | "BFF_ERR_UPSTREAM_AUTH" | "BFF_ERR_UPSTREAM_UNAVAILABLE" | "BFF_ERR_UPSTREAM_INSUFFICIENT_CREDITS" | "BFF_ERR_UPSTREAM_CIRCUIT_OPEN" | "BFF_ERR_UPSTREAM_TIMEOUT" | "BFF_ERR_NOT_READY" | "BFF_ERR_REQUEST_TIMEOUT" | "BFF_ERR_WEBHOOK_EARLY" | "BFF_ERR_STORE_UNAVAILABLE" | "BFF_ERR_UPLOAD_NOT_FOUND" | "BFF_ERR_UPLOAD_LENGTH_REQUIRED" | "BFF_ERR_UPLOAD_TYPE" | "BFF_ERR_UPLOAD_QUOTA" | "BFF_ERR_UPLOAD_FINISHED" | "BFF_ERR_UPLOAD_UNFINISHED" | "BFF_ERR_UPLOAD_KIND" | "BFF_ERR_UPLOAD_LOCKED" | "BFF_ERR_MEDIA_LINK_INVALID" | "BFF_ERR_MEDIA_NOT_FOUND" | "BFF_ERR_MEDIA_EXPIRED" | "BFF_ERR_MEDIA_RANGE" | "BFF_ERR_INTERNAL" | "BFF_ERR_TASK_FAILED" | "BFF_ERR_TASK_CANCELED" | "BFF_ERR_TASK_TIMED_OUT" | "BFF_ERR_TASK_BAD_RESULT" | "BFF_ERR_TASK_CONTENT_REJECTED"

/** Whether the BFF holds its own copy of an output (see the README, output custody). */
export interface OutputCustody {
  /** stored: `url` is the BFF's own copy; failed: the copy failed and `url` is the gateway's; expired: the copy was deleted after the retention period */
  status: "stored" | "failed" | "expired"
  /** When the copy (and its link) expires */
  expiresAt?: string
  /** Why the copy failed */
  error?: string
  /** A failed copy is retried in the background; a later task event carries the replaced URL */
  retrying?: boolean
}

/** One generated file, behind a URL. */
export interface FileOutput {
  type: "audio" | "video" | "image" | "mask" | "vector"
  /** Where the generated file can be downloaded: with custody on, a signed BFF link that needs no Authorization header and answers byte ranges */
  url: string
  /** The gateway's original URL, which may stop working at any time */
  sourceUrl?: string
  custody?: OutputCustody
}

/** Generated text carried inline (a diagram's source), with no file behind it. */
export interface SourceOutput {
  type: "source"
  /** The language of `text`: "mermaid", or the provider's own format (e.g. "edrawmax") */
  format: string
  /** The source text, for a UI to show and let the user edit */
  text: string
}

/** One thing a task produced: a file, or inline source text. */
export type Output = FileOutput | SourceOutput

/** Why a task did not succeed. */
export interface TaskError {
  code: ErrorCode
  message: string
}

/** Your own labels on a task: a flat object of string values, never sent to the provider. */
export type Metadata = Record<string, string>

/** A generation task as the BFF returns it. */
export interface Task {
  id: string
  capability: string
  /** The upstream service that runs the task (tomoviee, tencent, ...) */
  provider: string
  status: TaskStatus
  /** Completion percentage as last reported */
  progress: number
  /** The request body the task was created with */
  input: Record<string, unknown>
  outputs: Output[]
  error: TaskError | null
  metadata: Metadata
  createdAt: string
  updatedAt: string
}

/** The name of a task event: `task.<status>`. */
export type TaskEventType = "task.queued" | "task.processing" | "task.succeeded" | "task.failed" | "task.canceled" | "task.timed_out"

/** A state change: `type` is `task.<status>` and `task` the full task after it; `id` is the SSE id. */
export interface TaskEvent {
  /** Monotonic event id, also the SSE id (send it back as Last-Event-ID) */
  id: number
  type: TaskEventType
  task: Task
}

/** Every `event:` name an event stream carries. */
export type SseEventName = "task.queued" | "task.processing" | "task.succeeded" | "task.failed" | "task.canceled" | "task.timed_out" | "task.reset" | "tasks.reset" | "shutdown"

/** The data of a `tasks.reset` event: the history since the resume point is gone. */
export interface TasksReset {
  /** Why the history could not be replayed: its events were deleted, this server never issued the id, or it is older than the replay horizon */
  reason: "history trimmed" | "unknown event id" | "replay horizon"
  /** The current state of the unfinished tasks; list the others with GET /v1/tasks */
  tasks: Task[]
}

/** The body of a signed webhook message, for the app's backend that receives them. */
export interface WebhookPayload {
  type: TaskEventType
  /** The task's updatedAt: messages are not ordered, so order by this */
  timestamp: string
  data: Task
}

/** A capability as GET /v1/capabilities describes it. */
export interface Capability {
  /** Create with POST /v1/tasks/{name} */
  name: string
  /** The upstream service that runs it (tomoviee, tencent, ...) */
  provider: string
  summary: string
  description: string
  /** The first (main) kind of output; `outputTypes` lists them all */
  outputType: OutputType
  /** Every kind of output a task of this capability produces, main one first */
  outputTypes: OutputType[]
  /** Typical generation time upstream */
  typicalSeconds: {
    min: number
    max: number
  }
  /** JSON Schema (draft 2020-12) of the request body */
  inputSchema: Record<string, unknown>
  /** The request fields that name a media file, and which kind: each takes an https URL or "upload:<id>" of a finished upload (POST /v1/uploads); an array field (such as imageUrls) takes a list of them, each checked alike */
  media: Record<string, "video" | "image">
  /** A valid request body */
  example: Record<string, unknown>
}

/** A signed webhook message of a task, as GET /v1/tasks/{id}/deliveries lists it. */
export interface Delivery {
  /** The message id, sent as `webhook-id` on every attempt */
  id: string
  event: TaskEventType
  /** Host (and port) of the receiving endpoint */
  endpoint: string
  /** pending: an attempt is due or scheduled; delivered: a 2xx answer; failed: the retry schedule ran out */
  state: "pending" | "delivered" | "failed"
  /** Attempts since the message was (re)scheduled */
  attempts: number
  /** HTTP status of the last answer; null before the first attempt or when none came */
  lastStatus: number | null
  /** Why the last attempt failed, e.g. "answered 500" or "timed out" */
  lastError: string | null
  lastAttemptAt: string | null
  /** When the next attempt is due; null once delivered or given up */
  nextAttemptAt: string | null
  createdAt: string
}

/** The request body of POST /v1/tasks/video-scoring (defaulted fields are optional). */
export interface VideoScoringInput {
  /** Publicly reachable video (MP4, MOV, AVI, M4V, MKV, TS, FLV, MPG; up to 120 MB and 95 s) */
  videoUrl: string
  /** Style and mood of the music, e.g. "upbeat acoustic guitar"; under 77 tokens works best */
  prompt: string
  /** Length of the generated music in seconds (upstream default 20) */
  duration?: number
}

/** The request body of POST /v1/tasks/text-to-music (defaulted fields are optional). */
export interface TextToMusicInput {
  /** Theme and atmosphere (+ instruments); about 77 tokens are used, the rest is cut upstream */
  prompt: string
  /** Length of each track in seconds (default: 20) */
  duration?: number
  /** Number of tracks to generate (default: 1) */
  count?: number
  /** Send the prompt as written, without upstream translation */
  disableTranslate?: boolean
}

/** The request body of POST /v1/tasks/text-to-sfx (defaulted fields are optional). */
export interface TextToSfxInput {
  /** Sound source + action or context + character */
  prompt: string
  /** Length in seconds (default: 10) */
  duration?: number
  /** Number of variants (upstream default 1) */
  count?: number
}

/** The request body of POST /v1/tasks/text-to-speech (defaulted fields are optional). */
export interface TextToSpeechInput {
  /** What to say, natural spoken text (spell numbers out); at most 5000 characters */
  text: string
  /** Voice (upstream default zh-CN-YunxiNeural), e.g. zh-CN-YunxiNeural, zh-CN-XiaoxiaoNeural, zh-CN-YunjianNeural, en-US-JennyNeural, en-US-GuyNeural, en-US-AriaNeural, en-GB-SoniaNeural, en-GB-RyanNeural */
  voiceId?: string
}

/** The request body of POST /v1/tasks/text-to-video (defaulted fields are optional). */
export interface TextToVideoInput {
  /** Subject + motion + scene (+ camera, lighting, atmosphere) */
  prompt: string
  /** 720p is faster, 1080p sharper (default: "720p") */
  resolution?: "720p" | "1080p"
  /** Camera movement; omit for an automatic choice */
  cameraMove?: "orbit" | "spin" | "pan-left" | "pan-right" | "tilt-up" | "tilt-down" | "push-in" | "pull-out" | "static" | "tracking" | "others" | "object-pov" | "super-dolly-in" | "super-dolly-out" | "snorricam" | "head-tracking" | "car-grip" | "screen-transition" | "car-chasing" | "fisheye" | "fpv-drone" | "crane-over-the-head" | "timelapse-landscape" | "dolly-in" | "dolly-out" | "zoom-in" | "zoom-out" | "full-shot" | "close-up-shot" | "extreme-close-up" | "macro-shot" | "birds-eye-view" | "rule-of-thirds" | "symmetrical-composition" | "handheld" | "fpv-shot" | "jib-up" | "jib-down" | "full-shot-2" | "time-lapse-shot" | "aerial-shot" | "low-angle-shot" | "eye-level-shot" | "diagonal-composition" | "over-shoulder-shot" | "crane-down"
  /** (default: "16:9") */
  aspectRatio?: "16:9" | "9:16" | "4:3" | "3:4" | "1:1"
}

/** The request body of POST /v1/tasks/image-to-video (defaulted fields are optional). */
export interface ImageToVideoInput {
  /** The still image to animate (JPG, JPEG, PNG or WEBP, under 200 MB) */
  imageUrl: string
  /** Subject + motion + camera; the image supplies scene and lighting */
  prompt: string
  /** 720p is faster, 1080p sharper (default: "720p") */
  resolution?: "720p" | "1080p"
  /** Camera movement; omit for an automatic choice */
  cameraMove?: "orbit" | "spin" | "pan-left" | "pan-right" | "tilt-up" | "tilt-down" | "push-in" | "pull-out" | "static" | "tracking" | "others" | "object-pov" | "super-dolly-in" | "super-dolly-out" | "snorricam" | "head-tracking" | "car-grip" | "screen-transition" | "car-chasing" | "fisheye" | "fpv-drone" | "crane-over-the-head" | "timelapse-landscape" | "dolly-in" | "dolly-out" | "zoom-in" | "zoom-out" | "full-shot" | "close-up-shot" | "extreme-close-up" | "macro-shot" | "birds-eye-view" | "rule-of-thirds" | "symmetrical-composition" | "handheld" | "fpv-shot" | "jib-up" | "jib-down" | "full-shot-2" | "time-lapse-shot" | "aerial-shot" | "low-angle-shot" | "eye-level-shot" | "diagonal-composition" | "over-shoulder-shot" | "crane-down"
  /** "original" keeps the image's ratio (default: "original") */
  aspectRatio?: "16:9" | "9:16" | "4:3" | "3:4" | "1:1" | "original"
}

/** The request body of POST /v1/tasks/frames-to-video (defaulted fields are optional). */
export interface FramesToVideoInput {
  /** First frame (JPG, JPEG, PNG or WEBP, under 200 MB; 720p or more recommended) */
  firstFrameUrl: string
  /** Last frame, same constraints */
  lastFrameUrl: string
  /** The motion that leads from the first frame to the last */
  prompt: string
  /** 720p is faster, 1080p sharper (default: "720p") */
  resolution?: "720p" | "1080p"
  /** Camera movement; omit for an automatic choice */
  cameraMove?: "orbit" | "spin" | "pan-left" | "pan-right" | "tilt-up" | "tilt-down" | "push-in" | "pull-out" | "static" | "tracking" | "others" | "object-pov" | "super-dolly-in" | "super-dolly-out" | "snorricam" | "head-tracking" | "car-grip" | "screen-transition" | "car-chasing" | "fisheye" | "fpv-drone" | "crane-over-the-head" | "timelapse-landscape" | "dolly-in" | "dolly-out" | "zoom-in" | "zoom-out" | "full-shot" | "close-up-shot" | "extreme-close-up" | "macro-shot" | "birds-eye-view" | "rule-of-thirds" | "symmetrical-composition" | "handheld" | "fpv-shot" | "jib-up" | "jib-down" | "full-shot-2" | "time-lapse-shot" | "aerial-shot" | "low-angle-shot" | "eye-level-shot" | "diagonal-composition" | "over-shoulder-shot" | "crane-down"
  /** "original" keeps the frames' ratio (default: "original") */
  aspectRatio?: "16:9" | "9:16" | "4:3" | "3:4" | "1:1" | "original"
}

/** The request body of POST /v1/tasks/video-continuation (defaulted fields are optional). */
export interface VideoContinuationInput {
  /** The clip to extend: MP4, exactly 5 s, 720p, under 200 MB */
  videoUrl: string
  /** Continued action + scene change + camera continuation */
  prompt: string
  /** 720p is faster, 1080p sharper (default: "720p") */
  resolution?: "720p" | "1080p"
  /** Camera movement; omit for an automatic choice */
  cameraMove?: "orbit" | "spin" | "pan-left" | "pan-right" | "tilt-up" | "tilt-down" | "push-in" | "pull-out" | "static" | "tracking" | "others" | "object-pov" | "super-dolly-in" | "super-dolly-out" | "snorricam" | "head-tracking" | "car-grip" | "screen-transition" | "car-chasing" | "fisheye" | "fpv-drone" | "crane-over-the-head" | "timelapse-landscape" | "dolly-in" | "dolly-out" | "zoom-in" | "zoom-out" | "full-shot" | "close-up-shot" | "extreme-close-up" | "macro-shot" | "birds-eye-view" | "rule-of-thirds" | "symmetrical-composition" | "handheld" | "fpv-shot" | "jib-up" | "jib-down" | "full-shot-2" | "time-lapse-shot" | "aerial-shot" | "low-angle-shot" | "eye-level-shot" | "diagonal-composition" | "over-shoulder-shot" | "crane-down"
  /** Upstream default when omitted */
  aspectRatio?: "16:9" | "9:16" | "4:3" | "3:4" | "1:1"
}

/** The request body of POST /v1/tasks/image-to-image (defaulted fields are optional). */
export interface ImageToImageInput {
  /** Reference image */
  imageUrl: string
  /** What to keep from the reference and what to change */
  prompt: string
  /** How the reference guides the result, 0-3 (2 follows the subject) (default: 2) */
  controlType?: number
  /** How strongly the reference guides the result (default: 0.5) */
  controlIntensity?: number
  /** Output width in pixels (default: 1024) */
  width?: number
  /** Output height in pixels (default: 1024) */
  height?: number
  /** Number of images (default: 1) */
  count?: number
  /** Starting image; with controlType 2 the reference is used when omitted */
  initImageUrl?: string
}

/** The request body of POST /v1/tasks/image-redraw (defaulted fields are optional). */
export interface ImageRedrawInput {
  /** The image to change (JPG or PNG; each side over 512 and under 2048 px; aspect ratio under 3) */
  imageUrl: string
  /** Same size as the image: white = redraw, black = keep (e.g. from image-recognition) */
  maskUrl?: string
  /** What should fill the masked area (not what to remove) */
  prompt: string
}

/** The request body of POST /v1/tasks/image-recognition (defaulted fields are optional). */
export interface ImageRecognitionInput {
  /** The image to analyse (JPG, JPEG, PNG or WEBP, under 200 MB) */
  imageUrl: string
  /** The objects or regions to find, e.g. "people" or "sky and clouds" */
  prompt?: string
  /** What the mask traces (default: "subject") */
  mode?: "edge" | "pose" | "subject" | "depth"
}

/** The request body of POST /v1/tasks/tencent-image-to-music (defaulted fields are optional). */
export interface TencentImageToMusicInput {
  /** Picture the music is composed for (png, jpg, jpeg or webp) */
  imageUrl: string
  /** Number of songs to compose (default: 1) */
  songCount?: number
  /** mp3: audio files; mp4: video files (default: "mp3") */
  format?: "mp3" | "mp4"
  /** large-model takes an emotion and a genre; multitrack takes an emotion (warm and angry only here) and no genre (default: "large-model") */
  modelType?: "large-model" | "multitrack"
  /** Mood of the music; warm and angry need modelType multitrack */
  emotion?: "happy" | "sad" | "romantic" | "quiet" | "lazy" | "exciting" | "magnificent" | "funny" | "fear" | "warm" | "angry"
  /** Style of the music; not with modelType multitrack */
  genre?: "pop" | "classical" | "china" | "soft" | "jazz"
}

/** The request body of POST /v1/tasks/edrawmax-flowchart (defaulted fields are optional). */
export interface EdrawmaxFlowchartInput {
  /** What the diagram should show, in plain words */
  prompt: string
  /** Language of the diagram text: en, cn (Simplified Chinese), jp, kr, es, fr, de, it, tw (Traditional Chinese), pt, ru, id (default: "cn") */
  lang?: "en" | "cn" | "jp" | "kr" | "es" | "fr" | "de" | "it" | "tw" | "pt" | "ru" | "id"
  /** The platform the request comes from, as EdrawMax counts it */
  platform?: "web" | "win" | "mac" | "ios" | "android" | "linux"
}

/** The request body of POST /v1/tasks/edrawmax-infographic (defaulted fields are optional). */
export interface EdrawmaxInfographicInput {
  /** What the diagram should show, in plain words */
  prompt: string
  /** Language of the diagram text: en, cn (Simplified Chinese), jp, kr, es, fr, de, it, tw (Traditional Chinese), pt, ru, id (default: "cn") */
  lang?: "en" | "cn" | "jp" | "kr" | "es" | "fr" | "de" | "it" | "tw" | "pt" | "ru" | "id"
  /** The platform the request comes from, as EdrawMax counts it */
  platform?: "web" | "win" | "mac" | "ios" | "android" | "linux"
}

/** The request body of POST /v1/tasks/edrawmax-gantt (defaulted fields are optional). */
export interface EdrawmaxGanttInput {
  /** What the diagram should show, in plain words */
  prompt: string
  /** Language of the diagram text: en, cn (Simplified Chinese), jp, kr, es, fr, de, it, tw (Traditional Chinese), pt, ru, id (default: "cn") */
  lang?: "en" | "cn" | "jp" | "kr" | "es" | "fr" | "de" | "it" | "tw" | "pt" | "ru" | "id"
  /** The platform the request comes from, as EdrawMax counts it */
  platform?: "web" | "win" | "mac" | "ios" | "android" | "linux"
}

/** The request body of POST /v1/tasks/edrawmax-mindmap (defaulted fields are optional). */
export interface EdrawmaxMindmapInput {
  /** What the diagram should show, in plain words */
  prompt: string
  /** Language of the diagram text: en, cn (Simplified Chinese), jp, kr, es, fr, de, it, tw (Traditional Chinese), pt, ru, id (default: "cn") */
  lang?: "en" | "cn" | "jp" | "kr" | "es" | "fr" | "de" | "it" | "tw" | "pt" | "ru" | "id"
  /** The platform the request comes from, as EdrawMax counts it */
  platform?: "web" | "win" | "mac" | "ios" | "android" | "linux"
}

/** The request body of POST /v1/tasks/mediaio-t2i-imagen-4 (defaulted fields are optional). */
export interface MediaioT2iImagen4Input {
  /** What to generate */
  prompt: string
  /** Aspect ratio of the output (default: "9:16") */
  aspectRatio?: "9:16" | "16:9" | "1:1" | "4:3" | "3:4"
  /** Number of images (default: 1) */
  count?: number
}

/** The request body of POST /v1/tasks/mediaio-t2i-soul-character (defaulted fields are optional). */
export interface MediaioT2iSoulCharacterInput {
  /** What to generate */
  prompt: string
  /** Aspect ratio of the output (default: "16:9") */
  aspectRatio?: "2:3" | "1:1" | "3:2" | "9:16" | "16:9"
}

/** The request body of POST /v1/tasks/mediaio-i2i-banana (defaulted fields are optional). */
export interface MediaioI2iBananaInput {
  /** What to generate */
  prompt: string
  /** 1-9 reference images */
  imageUrls: string[]
  /** Aspect ratio of the output (default: "16:9") */
  aspectRatio?: "9:16" | "16:9" | "1:1" | "4:3" | "3:4" | "3:2" | "2:3" | "21:9"
}

/** The request body of POST /v1/tasks/mediaio-i2i-seedream-v4-0 (defaulted fields are optional). */
export interface MediaioI2iSeedreamV40Input {
  /** What to generate */
  prompt: string
  /** 1-9 reference images */
  imageUrls: string[]
  /** Aspect ratio of the output (default: "9:16") */
  aspectRatio?: "9:16" | "16:9" | "1:1" | "4:3" | "3:4" | "3:2" | "2:3"
}

/** The request body of POST /v1/tasks/mediaio-i2i-banana-2 (defaulted fields are optional). */
export interface MediaioI2iBanana2Input {
  /** What to generate */
  prompt: string
  /** 1-9 reference images */
  imageUrls: string[]
  /** Aspect ratio of the output (default: "16:9") */
  aspectRatio?: "9:16" | "16:9" | "1:1" | "4:3" | "3:4" | "3:2" | "2:3" | "21:9"
  /** Output resolution (default: "1k") */
  resolution?: "1k" | "2k" | "4k"
}

/** The request body of POST /v1/tasks/mediaio-i2v-wan-v2-6 (defaulted fields are optional). */
export interface MediaioI2vWanV26Input {
  /** What to generate */
  prompt: string
  /** First frame: PNG, JPEG, JPG, WEBP, BMP; up to 10 MB; 300-2000 px per side; aspect (width / height) 0.4-2.5 */
  imageUrl: string
  /** Output resolution (default: "720p") */
  resolution?: "720p" | "1080p"
  /** Video length in seconds (default: 5) */
  duration?: 5 | 10 | 15
  /** multi: several cuts; single: one continuous shot (default: "multi") */
  shotType?: "multi" | "single"
  /** Generate a soundtrack with the video (default: true) */
  generateAudio?: boolean
}

/** The request body of POST /v1/tasks/mediaio-i2v-wan-v2-2 (defaulted fields are optional). */
export interface MediaioI2vWanV22Input {
  /** What to generate */
  prompt: string
  /** First frame: PNG, JPEG, JPG, WEBP, BMP; up to 10 MB; 300-2000 px per side; aspect (width / height) 0.4-2.5 */
  imageUrl: string
  /** Output resolution (default: "1080p") */
  resolution?: "1080p"
  /** Video length in seconds (default: 5) */
  duration?: 5
}

/** The request body of POST /v1/tasks/mediaio-i2v-wan-v2-5 (defaulted fields are optional). */
export interface MediaioI2vWanV25Input {
  /** What to generate */
  prompt: string
  /** First frame: PNG, JPEG, JPG, WEBP, BMP; up to 10 MB; 300-2000 px per side; aspect (width / height) 0.4-2.5 */
  imageUrl: string
  /** Output resolution (default: "480p") */
  resolution?: "480p" | "720p" | "1080p"
  /** Video length in seconds (default: 5) */
  duration?: 5 | 10
}

/** The request body of POST /v1/tasks/mediaio-i2v-minimax-02 (defaulted fields are optional). */
export interface MediaioI2vMinimax02Input {
  /** What to generate */
  prompt: string
  /** First frame: PNG, JPEG, JPG, WEBP, GIF, HEIC; up to 20 MB; 300-4000 px per side; aspect (width / height) 0.4-2.5 */
  imageUrl: string
  /** Output resolution (default: "768p") */
  resolution?: "768p" | "1080p"
  /** Video length in seconds (default: 6) */
  duration?: 6
}

/** The request body of POST /v1/tasks/mediaio-i2v-minimax-v2-3 (defaulted fields are optional). */
export interface MediaioI2vMinimaxV23Input {
  /** What to generate */
  prompt: string
  /** First frame: PNG, JPEG, JPG, WEBP, GIF, HEIC; up to 20 MB; 300-4000 px per side; aspect (width / height) 0.4-2.5 */
  imageUrl: string
  /** Output resolution (default: "768p") */
  resolution?: "768p" | "1080p"
  /** Video length in seconds (default: 6) */
  duration?: 6 | 10
}

/** The request body of POST /v1/tasks/mediaio-i2v-kling-v2-1 (defaulted fields are optional). */
export interface MediaioI2vKlingV21Input {
  /** What to generate */
  prompt: string
  /** First frame: PNG, JPEG, JPG, WEBP, GIF, HEIC; up to 20 MB; 300-4000 px per side; aspect (width / height) 0.4-2.5 */
  imageUrl: string
  /** Output resolution (default: "720p") */
  resolution?: "720p" | "1080p"
  /** Video length in seconds (default: 5) */
  duration?: 5 | 10
}

/** The request body of POST /v1/tasks/mediaio-i2v-kling-v2-5-turbo (defaulted fields are optional). */
export interface MediaioI2vKlingV25TurboInput {
  /** What to generate */
  prompt: string
  /** First frame: PNG, JPEG, JPG, WEBP, GIF, HEIC; up to 20 MB; 300-4000 px per side; aspect (width / height) 0.4-2.5 */
  imageUrl: string
  /** Output resolution (default: "1080p") */
  resolution?: "720p" | "1080p"
  /** Video length in seconds (default: 5) */
  duration?: 5 | 10
}

/** The request body of POST /v1/tasks/mediaio-i2v-kling-v2-6 (defaulted fields are optional). */
export interface MediaioI2vKlingV26Input {
  /** What to generate */
  prompt: string
  /** First frame: PNG, JPEG, JPG, WEBP, GIF, HEIC; up to 20 MB; 300-4000 px per side; aspect (width / height) 0.4-2.5 */
  imageUrl: string
  /** Video length in seconds (default: 5) */
  duration?: 5 | 10
  /** Generate a soundtrack with the video (default: true) */
  generateAudio?: boolean
}

/** The request body of POST /v1/tasks/mediaio-i2v-kling-v3-0 (defaulted fields are optional). */
export interface MediaioI2vKlingV30Input {
  /** What to generate */
  prompt: string
  /** First frame: PNG, JPEG, JPG, WEBP, GIF, HEIC; up to 20 MB; 300-4000 px per side; aspect (width / height) 0.4-2.5 */
  imageUrl: string
  /** Output resolution (default: "1080p") */
  resolution?: "720p" | "1080p"
  /** Video length in seconds (default: 5) */
  duration?: 5 | 8 | 10 | 15
  /** Let the model cut between shots (default: true) */
  multiShots?: boolean
  /** Generate a soundtrack with the video (default: true) */
  generateAudio?: boolean
}

/** The request body of POST /v1/tasks/mediaio-i2v-vidu-q3 (defaulted fields are optional). */
export interface MediaioI2vViduQ3Input {
  /** What to generate */
  prompt: string
  /** First frame: PNG, JPEG, JPG; up to 10 MB; 150-4000 px per side; aspect (width / height) 0.25-4 */
  imageUrl: string
  /** Output resolution (default: "720p") */
  resolution?: "540p" | "720p" | "1080p"
  /** Video length in seconds (default: 4) */
  duration?: 4 | 8 | 12 | 16
  /** Generate a soundtrack with the video (default: true) */
  generateAudio?: boolean
}

/** The request body of POST /v1/tasks/mediaio-i2v-vidu-q2 (defaulted fields are optional). */
export interface MediaioI2vViduQ2Input {
  /** What to generate */
  prompt: string
  /** First frame: PNG, JPEG, JPG, WEBP, GIF, HEIC; up to 10 MB; 150-4000 px per side; aspect (width / height) 0.25-4 */
  imageUrl: string
  /** Output resolution (default: "720p") */
  resolution?: "720p" | "1080p"
  /** Video length in seconds (default: 4) */
  duration?: 4 | 6 | 8
}

/** The request body of POST /v1/tasks/mediaio-i2v-veo-v3-1 (defaulted fields are optional). */
export interface MediaioI2vVeoV31Input {
  /** What to generate */
  prompt: string
  /** First frame: JPG, JPEG, PNG, WEBP, GIF, HEIC; up to 50 MB; 300-4000 px per side; aspect (width / height) 0.4-2 */
  imageUrl: string
  /** Aspect ratio of the output (default: "9:16") */
  aspectRatio?: "9:16" | "16:9"
  /** Output resolution (default: "720p") */
  resolution?: "720p" | "1080p"
  /** Video length in seconds (default: 4) */
  duration?: 4 | 6 | 8
  /** Generate a soundtrack with the video (default: true) */
  generateAudio?: boolean
}

/** The request body of POST /v1/tasks/mediaio-i2v-veo-v3-1-fast (defaulted fields are optional). */
export interface MediaioI2vVeoV31FastInput {
  /** What to generate */
  prompt: string
  /** First frame: JPG, JPEG, PNG, WEBP, GIF, HEIC; up to 50 MB; 300-4000 px per side; aspect (width / height) 0.4-2 */
  imageUrl: string
  /** Aspect ratio of the output (default: "9:16") */
  aspectRatio?: "9:16" | "16:9"
  /** Output resolution (default: "720p") */
  resolution?: "720p" | "1080p"
  /** Video length in seconds (default: 4) */
  duration?: 4 | 6 | 8
  /** Generate a soundtrack with the video (default: true) */
  generateAudio?: boolean
}

/** The request body of POST /v1/tasks/mediaio-i2v-motion-control-kling-v2-6 (defaulted fields are optional). */
export interface MediaioI2vMotionControlKlingV26Input {
  /** What to generate */
  prompt?: string
  /** Clip whose motion is copied: MP4, MOV; up to 100 MB; 720-2160 px per side; 24-60 fps; 3-30 s long */
  videoUrl: string
  /** Character to animate: PNG, JPEG, JPG; up to 10 MB; 300-4000 px per side; aspect (width / height) 0.5-2 */
  imageUrl: string
}

/** The request body of POST /v1/tasks/mediaio-t2v-wan-v2-6 (defaulted fields are optional). */
export interface MediaioT2vWanV26Input {
  /** What to generate */
  prompt: string
  /** Aspect ratio of the output (default: "16:9") */
  aspectRatio?: "9:16" | "16:9" | "1:1" | "4:3" | "3:4"
  /** Video length in seconds (default: 5) */
  duration?: 5 | 10 | 15
  /** multi: several cuts; single: one continuous shot (default: "multi") */
  shotType?: "multi" | "single"
  /** Generate a soundtrack with the video (default: true) */
  generateAudio?: boolean
}

/** The request body of POST /v1/tasks/mediaio-t2v-vidu-q3 (defaulted fields are optional). */
export interface MediaioT2vViduQ3Input {
  /** What to generate */
  prompt: string
  /** Aspect ratio of the output (default: "16:9") */
  aspectRatio?: "9:16" | "16:9" | "1:1" | "4:3" | "3:4"
  /** Output resolution (default: "720p") */
  resolution?: "540p" | "720p" | "1080p"
  /** Video length in seconds (default: 8) */
  duration?: 4 | 8 | 12 | 16
  /** Generate a soundtrack with the video (default: true) */
  generateAudio?: boolean
}

/** The request body of POST /v1/tasks/mediaio-t2v-wan-v2-5 (defaulted fields are optional). */
export interface MediaioT2vWanV25Input {
  /** What to generate */
  prompt: string
  /** Aspect ratio of the output (default: "16:9") */
  aspectRatio?: "16:9" | "9:16" | "1:1" | "4:3" | "3:4"
  /** Video length in seconds (default: 5) */
  duration?: 5 | 10
}

/** The request body of each capability, by name. */
export interface CapabilityInputs {
  "video-scoring": VideoScoringInput
  "text-to-music": TextToMusicInput
  "text-to-sfx": TextToSfxInput
  "text-to-speech": TextToSpeechInput
  "text-to-video": TextToVideoInput
  "image-to-video": ImageToVideoInput
  "frames-to-video": FramesToVideoInput
  "video-continuation": VideoContinuationInput
  "image-to-image": ImageToImageInput
  "image-redraw": ImageRedrawInput
  "image-recognition": ImageRecognitionInput
  "tencent-image-to-music": TencentImageToMusicInput
  "edrawmax-flowchart": EdrawmaxFlowchartInput
  "edrawmax-infographic": EdrawmaxInfographicInput
  "edrawmax-gantt": EdrawmaxGanttInput
  "edrawmax-mindmap": EdrawmaxMindmapInput
  "mediaio-t2i-imagen-4": MediaioT2iImagen4Input
  "mediaio-t2i-soul-character": MediaioT2iSoulCharacterInput
  "mediaio-i2i-banana": MediaioI2iBananaInput
  "mediaio-i2i-seedream-v4-0": MediaioI2iSeedreamV40Input
  "mediaio-i2i-banana-2": MediaioI2iBanana2Input
  "mediaio-i2v-wan-v2-6": MediaioI2vWanV26Input
  "mediaio-i2v-wan-v2-2": MediaioI2vWanV22Input
  "mediaio-i2v-wan-v2-5": MediaioI2vWanV25Input
  "mediaio-i2v-minimax-02": MediaioI2vMinimax02Input
  "mediaio-i2v-minimax-v2-3": MediaioI2vMinimaxV23Input
  "mediaio-i2v-kling-v2-1": MediaioI2vKlingV21Input
  "mediaio-i2v-kling-v2-5-turbo": MediaioI2vKlingV25TurboInput
  "mediaio-i2v-kling-v2-6": MediaioI2vKlingV26Input
  "mediaio-i2v-kling-v3-0": MediaioI2vKlingV30Input
  "mediaio-i2v-vidu-q3": MediaioI2vViduQ3Input
  "mediaio-i2v-vidu-q2": MediaioI2vViduQ2Input
  "mediaio-i2v-veo-v3-1": MediaioI2vVeoV31Input
  "mediaio-i2v-veo-v3-1-fast": MediaioI2vVeoV31FastInput
  "mediaio-i2v-motion-control-kling-v2-6": MediaioI2vMotionControlKlingV26Input
  "mediaio-t2v-wan-v2-6": MediaioT2vWanV26Input
  "mediaio-t2v-vidu-q3": MediaioT2vViduQ3Input
  "mediaio-t2v-wan-v2-5": MediaioT2vWanV25Input
}
