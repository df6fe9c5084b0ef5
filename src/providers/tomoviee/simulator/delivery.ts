import { CallbackSender, type SimLogger } from '../../simulator-kit/callback.ts'
import type { CallbackWire as CallbackPayload } from '../wire.ts'
import { MAX_DELAY_MS, type EngineTimers } from './timers.ts'

/** The callback counters of one task, as SimTask shows them to tests. */
export interface CallbackCounts {
  readonly id: string
  callbacksSent: number
  callbackAttempts: number
  callbacksDelivered: number
}

export interface DeliveryOptions {
  callbackTimeoutMs: number
  /** Extra attempts after a callback's first one failed (non-2xx, network error or timeout). */
  callbackRetries: number
  /** Wait before the first retry; each further retry waits twice as long as the one before. */
  callbackRetryDelayMs: number
  logger: SimLogger
}

/** Sends the engine's callbacks with retries, counting every attempt on the task. */
export class CallbackDelivery {
  private readonly sender: CallbackSender
  private readonly opts: DeliveryOptions
  private readonly timers: EngineTimers

  constructor (opts: DeliveryOptions, timers: EngineTimers) {
    this.opts = opts
    this.timers = timers
    this.sender = new CallbackSender({ timeoutMs: opts.callbackTimeoutMs, logger: opts.logger })
  }

  /**
   * Sends one callback, retrying with exponential backoff until the receiver answers 2xx, the
   * retries run out or the simulator closes. Every attempt carries the very same payload.
   */
  async deliver (task: CallbackCounts, url: string, payload: CallbackPayload): Promise<void> {
    const attempts = 1 + this.opts.callbackRetries
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1 && !(await this.timers.pause(this.backoff(attempt)))) return
      if (this.timers.closed) return
      task.callbackAttempts++
      const status = await this.sender.send(url, payload, attempt)
      if (status !== null) task.callbacksSent++
      if (status !== null && status >= 200 && status < 300) {
        task.callbacksDelivered++
        return
      }
      if (this.timers.closed) return
    }
    // The URL may carry a per-task token, so it stays out of the log, as in the sender.
    this.opts.logger.warn({ taskId: task.id, status: payload.status, attempts }, 'callback abandoned after the last retry')
  }

  /** Ends callbacks in flight. */
  close (): Promise<void> {
    return this.sender.close()
  }

  /** Wait before `attempt` (2 or more): the base delay, then twice the previous wait each time. */
  private backoff (attempt: number): number {
    return Math.min(this.opts.callbackRetryDelayMs * 2 ** (attempt - 2), MAX_DELAY_MS)
  }
}
