import type { ErrorCode } from './types.ts'

/** Codes for failures the BFF did not describe itself: no answer, or one that is not the BFF's. */
export type ClientErrorCode = 'BFF_CLIENT_ERR_NETWORK' | 'BFF_CLIENT_ERR_HTTP' | 'BFF_CLIENT_ERR_BAD_RESPONSE'

export interface Issue {
  path: string
  message: string
}

interface ErrorExtra {
  issues?: Issue[] | undefined
  retryAfter?: number | undefined
  taskId?: string | undefined
  cause?: unknown
}

/** Every failure of a client call: the BFF's status, stable code and message. */
export class BffClientError extends Error {
  /** HTTP status; 0 when no answer arrived. */
  readonly status: number
  readonly code: ErrorCode | ClientErrorCode
  /** Field-level problems of a BFF_ERR_VALIDATION. */
  readonly issues: Issue[] | undefined
  /** Seconds to wait before retrying (Retry-After), when the server said so. */
  readonly retryAfter: number | undefined
  /** The task the error concerns, when one was recorded before the failure. */
  readonly taskId: string | undefined

  constructor (status: number, code: ErrorCode | ClientErrorCode, message: string, extra: ErrorExtra = {}) {
    super(message, { cause: extra.cause })
    this.name = 'BffClientError'
    this.status = status
    this.code = code
    this.issues = extra.issues
    this.retryAfter = extra.retryAfter
    this.taskId = extra.taskId
  }
}

function parseRetryAfter (value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined
  if (/^\d+$/.test(value.trim())) return Number(value)
  // The header may also be an HTTP date.
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000))
}

interface ErrorBody { code: string, message: string, issues?: unknown, taskId?: unknown }

function isErrorBody (body: unknown): body is ErrorBody {
  if (typeof body !== 'object' || body === null) return false
  const { code, message } = body as Record<string, unknown>
  return typeof code === 'string' && code.startsWith('BFF_ERR_') && typeof message === 'string'
}

/** The error a non-2xx answer stands for; `body` is its parsed JSON, if any. */
export function errorFromResponse (res: Response, body: unknown): BffClientError {
  const retryAfter = parseRetryAfter(res.headers.get('retry-after'))
  if (!isErrorBody(body)) {
    // Not the BFF's own answer (a proxy, a load balancer): keep the status, say so.
    return new BffClientError(res.status, 'BFF_CLIENT_ERR_HTTP', `Unexpected HTTP ${res.status} answer`, { retryAfter })
  }
  return new BffClientError(res.status, body.code as ErrorCode, body.message, {
    issues: Array.isArray(body.issues) ? body.issues as Issue[] : undefined,
    taskId: typeof body.taskId === 'string' ? body.taskId : undefined,
    retryAfter
  })
}

/** Reads a body as JSON; undefined when it is not JSON. Network failures still reject. */
export async function readJson (res: Response): Promise<unknown> {
  const text = await res.text()
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}
