import { setTimeout as sleep } from 'node:timers/promises'
import { Agent, request } from 'undici'
import type { SimLogger } from '../../simulator-kit/callback.ts'
import type { CallbackWire } from '../wire.ts'

export interface CallbackOptions {
  callbackTimeoutMs: number
  /** Extra attempts after one that got no 2xx; the wait doubles from callbackRetryDelayMs. */
  callbackRetries: number
  callbackRetryDelayMs: number
  logger: SimLogger
}

/** POSTs whole Jobs to callback URLs, retrying until a 2xx, the retries run out or close(). */
export class JobCallbacks {
  private readonly agent: Agent
  private readonly closing = new AbortController()
  private readonly opts: CallbackOptions

  constructor (opts: CallbackOptions) {
    this.opts = opts
    this.agent = new Agent({ connect: { timeout: opts.callbackTimeoutMs } })
  }

  async deliver (counter: { callbackAttempts: number, callbacksDelivered: number }, url: string, job: CallbackWire): Promise<void> {
    // The URL carries the BFF's per-task token: only its origin reaches the log.
    const log = { jobId: job.id, state: job.state, target: originOf(url) }
    for (let attempt = 1; attempt <= 1 + this.opts.callbackRetries; attempt++) {
      if (attempt > 1) {
        try {
          await sleep(this.opts.callbackRetryDelayMs * 2 ** (attempt - 2), undefined, { signal: this.closing.signal, ref: false })
        } catch { return }
      }
      if (this.closing.signal.aborted) return
      counter.callbackAttempts++
      try {
        const res = await request(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(job),
          dispatcher: this.agent,
          signal: AbortSignal.any([this.closing.signal, AbortSignal.timeout(this.opts.callbackTimeoutMs)])
        })
        await res.body.dump()
        if (res.statusCode >= 200 && res.statusCode < 300) {
          counter.callbacksDelivered++
          this.opts.logger.info({ ...log, attempt, httpStatus: res.statusCode }, 'callback delivered')
          return
        }
        this.opts.logger.warn({ ...log, attempt, httpStatus: res.statusCode }, 'callback rejected by receiver')
      } catch (err) {
        this.opts.logger.warn({ ...log, attempt, error: err instanceof Error ? err.message : String(err) }, 'callback not delivered')
      }
    }
    this.opts.logger.warn(log, 'callback abandoned after the last retry')
  }

  async close (): Promise<void> {
    this.closing.abort()
    await this.agent.destroy()
  }
}

function originOf (url: string): string {
  try { return new URL(url).origin } catch { return '(invalid URL)' }
}
