import { BffError, type ErrorCode } from '../errors.ts'

export type GatewayErrorCode = Extract<ErrorCode, `BFF_ERR_UPSTREAM_${string}`>

/**
 * A failed gateway call. The message is safe to show clients: it never holds the upstream body,
 * credentials or the upstream's own message (that goes to the log through `upstreamMessage`).
 */
export class GatewayError extends BffError {
  /** False only when the request certainly never reached the gateway, so a retry cannot double-charge. */
  readonly sent: boolean
  readonly upstreamStatus?: number
  readonly upstreamCode?: number
  readonly upstreamMessage?: string

  constructor (code: GatewayErrorCode, message: string, opts: { sent: boolean, upstreamStatus?: number, upstreamCode?: number, upstreamMessage?: string, retryAfterSec?: number, cause?: unknown }) {
    super(code, message, { cause: opts.cause, ...(opts.retryAfterSec !== undefined ? { retryAfterSec: opts.retryAfterSec } : {}) })
    this.name = 'GatewayError'
    this.sent = opts.sent
    if (opts.upstreamStatus !== undefined) this.upstreamStatus = opts.upstreamStatus
    if (opts.upstreamCode !== undefined) this.upstreamCode = opts.upstreamCode
    if (opts.upstreamMessage !== undefined) this.upstreamMessage = opts.upstreamMessage
  }
}
