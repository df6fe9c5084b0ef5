import { z } from 'zod'

/**
 * Every error code the BFF answers with or stores on a task. Codes are part of the public API:
 * clients branch on them, so they never change meaning once shipped.
 */
export const ERRORS = {
  BFF_ERR_VALIDATION: { status: 400, message: 'The request is invalid' },
  BFF_ERR_BAD_JSON: { status: 400, message: 'The request body is not valid JSON' },
  BFF_ERR_BAD_REQUEST: { status: 400, message: 'The request could not be processed' },
  BFF_ERR_METADATA_LIMIT: { status: 400, message: 'The task metadata is over a limit (number of keys, key length or value length)' },
  BFF_ERR_AUTH_MISSING: { status: 401, message: 'Authentication is required: send "Authorization: Bearer <key>"' },
  BFF_ERR_AUTH_INVALID: { status: 401, message: 'The credentials are not valid' },
  BFF_ERR_AUTH_EXPIRED: { status: 401, message: 'The token has expired' },
  BFF_ERR_STREAM_TOKEN_INVALID: { status: 401, message: 'The stream token is not valid' },
  BFF_ERR_STREAM_TOKEN_EXPIRED: { status: 401, message: 'The stream token has expired; request a new one' },
  BFF_ERR_OPERATORS_ONLY: { status: 403, message: 'This route is for operators only' },
  BFF_ERR_NOT_FOUND: { status: 404, message: 'No such route' },
  BFF_ERR_TASK_NOT_FOUND: { status: 404, message: 'No such task' },
  BFF_ERR_TASK_FINISHED: { status: 409, message: 'The task has finished already and cannot be canceled' },
  BFF_ERR_DELIVERY_NOT_FOUND: { status: 404, message: 'The task has no such webhook delivery' },
  BFF_ERR_PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  BFF_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Send the body as application/json' },
  BFF_ERR_INPUT_UNREACHABLE: { status: 422, message: 'An input file could not be verified' },
  BFF_ERR_RATE_LIMITED: { status: 429, message: 'Too many requests, retry later' },
  BFF_ERR_IDEMPOTENCY_MISMATCH: { status: 422, message: 'This Idempotency-Key was used with a different request' },
  BFF_ERR_TOO_MANY_ACTIVE_TASKS: { status: 429, message: 'Too many unfinished tasks; wait for one to finish' },
  BFF_ERR_TOO_MANY_STREAMS: { status: 429, message: 'Too many open event streams; close one first' },
  BFF_ERR_STREAMS_FULL: { status: 503, message: 'This instance holds as many event streams as it can; retry shortly' },
  BFF_ERR_WEBHOOK_UNAUTHORIZED: { status: 401, message: 'The callback is not authorized' },
  BFF_ERR_WEBHOOK_INVALID: { status: 400, message: 'The callback payload is invalid' },
  BFF_ERR_UPSTREAM_BAD_RESPONSE: { status: 502, message: 'The generation gateway gave an invalid answer' },
  BFF_ERR_UPSTREAM_REJECTED: { status: 502, message: 'The generation gateway rejected the request' },
  BFF_ERR_UPSTREAM_AUTH: { status: 502, message: 'The generation gateway rejected the BFF credentials' },
  BFF_ERR_UPSTREAM_UNAVAILABLE: { status: 503, message: 'The generation gateway is unavailable' },
  // The BFF's own account upstream is empty: an operator must top it up, the client can only retry later.
  BFF_ERR_UPSTREAM_INSUFFICIENT_CREDITS: { status: 503, message: 'The generation service account has run out of credits; retry later' },
  BFF_ERR_UPSTREAM_CIRCUIT_OPEN: { status: 503, message: 'The generation gateway is failing; new requests are paused' },
  BFF_ERR_UPSTREAM_TIMEOUT: { status: 504, message: 'The generation gateway did not answer in time' },
  BFF_ERR_NOT_READY: { status: 503, message: 'The service is not ready' },
  BFF_ERR_REQUEST_TIMEOUT: { status: 503, message: 'The request took too long to answer; retry' },
  BFF_ERR_WEBHOOK_EARLY: { status: 503, message: 'The task is still being created; deliver the callback again later' },
  BFF_ERR_STORE_UNAVAILABLE: { status: 503, message: 'Storage is unavailable; retry shortly' },
  // Uploads and media links (issue 15).
  BFF_ERR_UPLOAD_NOT_FOUND: { status: 404, message: 'No such upload' },
  BFF_ERR_UPLOAD_LENGTH_REQUIRED: { status: 400, message: 'Declare the file size with Upload-Length (deferred lengths are not accepted)' },
  BFF_ERR_UPLOAD_TYPE: { status: 415, message: 'The file is not a supported video (MP4, MOV, WebM, MKV) or image (PNG, JPEG, WebP)' },
  BFF_ERR_UPLOAD_QUOTA: { status: 413, message: 'The upload would exceed your quota' },
  BFF_ERR_UPLOAD_FINISHED: { status: 409, message: 'The upload is already complete' },
  BFF_ERR_UPLOAD_UNFINISHED: { status: 409, message: 'The upload is not complete yet' },
  BFF_ERR_UPLOAD_KIND: { status: 422, message: 'The upload is not the kind of file this field expects' },
  BFF_ERR_UPLOAD_LOCKED: { status: 423, message: 'Another request is writing this upload; retry from the offset HEAD reports' },
  BFF_ERR_MEDIA_LINK_INVALID: { status: 403, message: 'The media link is invalid or has expired' },
  BFF_ERR_MEDIA_NOT_FOUND: { status: 404, message: 'No such media file' },
  BFF_ERR_MEDIA_EXPIRED: { status: 410, message: 'This output was kept for the retention period and has been deleted' },
  BFF_ERR_MEDIA_RANGE: { status: 416, message: 'The requested range cannot be satisfied' },
  BFF_ERR_INTERNAL: { status: 500, message: 'Internal error' },
  // Stored on tasks that end badly; never an HTTP status of their own.
  BFF_ERR_TASK_FAILED: { status: null, message: 'The generation failed' },
  BFF_ERR_TASK_CANCELED: { status: null, message: 'The generation was canceled' },
  BFF_ERR_TASK_TIMED_OUT: { status: null, message: 'The generation timed out' },
  BFF_ERR_TASK_BAD_RESULT: { status: null, message: 'The generation finished without a readable result' },
  // The provider's content check refused the prompt: a UI asks the user to rephrase rather than retry.
  BFF_ERR_TASK_CONTENT_REJECTED: { status: null, message: 'The request was refused by the provider\'s content rules; rephrase it and try again' }
} as const satisfies Record<string, { status: number | null, message: string }>

export type ErrorCode = keyof typeof ERRORS
export const ERROR_CODES = Object.keys(ERRORS) as [ErrorCode, ...ErrorCode[]]

export const ErrorCodeSchema = z.enum(ERROR_CODES).meta({ id: 'ErrorCode', description: 'Stable error code' })

export const IssueSchema = z.object({
  path: z.string().describe('Dotted path of the offending field, empty for the whole value'),
  message: z.string()
}).meta({ id: 'Issue' })

export const ErrorSchema = z.object({
  statusCode: z.int(),
  code: ErrorCodeSchema,
  message: z.string(),
  issues: z.array(IssueSchema).optional().describe('Field-level problems, for validation errors'),
  taskId: z.string().optional().describe('The task the error concerns, when one was recorded')
}).meta({ id: 'Error' })
export type ErrorBody = z.infer<typeof ErrorSchema>

/** An error whose code, status and message may be shown to clients as they are. */
export class BffError extends Error {
  readonly code: ErrorCode
  readonly statusCode: number
  readonly issues?: ErrorBody['issues']
  taskId?: string
  /** Sent as Retry-After when set. */
  retryAfterSec?: number

  constructor (code: ErrorCode, message?: string, extra: { issues?: ErrorBody['issues'], retryAfterSec?: number, cause?: unknown } = {}) {
    super(message ?? ERRORS[code].message, { cause: extra.cause })
    this.name = 'BffError'
    this.code = code
    // Task-outcome codes have no HTTP status; if one is ever thrown it is our bug, hence 500.
    this.statusCode = ERRORS[code].status ?? 500
    if (extra.issues) this.issues = extra.issues
    if (extra.retryAfterSec !== undefined) this.retryAfterSec = extra.retryAfterSec
  }

  toBody (): ErrorBody {
    return {
      statusCode: this.statusCode,
      code: this.code,
      message: this.message,
      ...(this.issues ? { issues: this.issues } : {}),
      ...(this.taskId ? { taskId: this.taskId } : {})
    }
  }
}

export function isBffError (err: unknown): err is BffError {
  return err instanceof BffError
}

/** Turns zod issues into the public field-level form. */
export function toIssues (issues: readonly { path: readonly PropertyKey[], message: string }[]): ErrorBody['issues'] {
  return issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }))
}
