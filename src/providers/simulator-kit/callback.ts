import { Agent, request } from 'undici'

/** The part of a pino/Fastify logger the simulator uses, so the engine does not depend on Fastify. */
export interface SimLogger {
  info: (obj: object, msg: string) => void
  warn: (obj: object, msg: string) => void
  error: (obj: object, msg: string) => void
}

/**
 * What the sender reads of a callback body, for its log. The body itself is the provider's own wire
 * schema (ToMoviee's CallbackWire), so the simulator sends what the BFF parses.
 */
export interface CallbackBody { task_id: string | number, status: number }

/**
 * Makes single callback attempts with undici, each bounded by a timeout, never throwing; the engine
 * decides about retries. Owns its connection pool so closing the simulator also cuts off slow receivers.
 */
export class CallbackSender {
  private readonly agent: Agent
  private readonly closing = new AbortController()
  private readonly inflight = new Set<Promise<number | null>>()
  private readonly timeoutMs: number
  private readonly logger: SimLogger

  constructor (opts: { timeoutMs: number, logger: SimLogger }) {
    this.timeoutMs = opts.timeoutMs
    this.logger = opts.logger
    this.agent = new Agent({ connect: { timeout: opts.timeoutMs } })
  }

  /** Resolves to the receiver's HTTP status, or null when no answer arrived. `attempt` (1-based) is only logged. */
  send (url: string, payload: CallbackBody, attempt = 1): Promise<number | null> {
    const pending = this.attempt(url, payload, attempt)
    this.inflight.add(pending)
    void pending.finally(() => this.inflight.delete(pending))
    return pending
  }

  private async attempt (url: string, payload: CallbackBody, attempt: number): Promise<number | null> {
    // The callback URL may carry a per-task token, so only its origin reaches the log.
    const log = { taskId: payload.task_id, status: payload.status, target: originOf(url), attempt }

    if (this.closing.signal.aborted) return null
    try {
      const res = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
        dispatcher: this.agent,
        signal: AbortSignal.any([this.closing.signal, AbortSignal.timeout(this.timeoutMs)])
      })
      await res.body.dump()
      if (res.statusCode >= 200 && res.statusCode < 300) {
        this.logger.info({ ...log, httpStatus: res.statusCode }, 'callback delivered')
      } else {
        this.logger.warn({ ...log, httpStatus: res.statusCode }, 'callback rejected by receiver')
      }
      return res.statusCode
    } catch (err) {
      this.logger.warn({ ...log, error: err instanceof Error ? err.message : String(err) }, 'callback not delivered')
      return null
    }
  }

  /** Aborts deliveries still in flight and releases the connection pool. */
  async close (): Promise<void> {
    this.closing.abort()
    await Promise.allSettled([...this.inflight])
    await this.agent.destroy()
  }
}

function originOf (url: string): string {
  try {
    return new URL(url).origin
  } catch {
    return '(invalid URL)'
  }
}
