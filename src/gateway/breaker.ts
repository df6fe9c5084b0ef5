import { GatewayError } from './errors.ts'
import type { Provider } from '../providers/types.ts'

export interface BreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number
  /** How long it stays open before one trial call is let through. */
  cooldownMs: number
  now?: () => number
}

export interface BreakerState { open: boolean, retryAfterMs: number, consecutiveFailures: number }

/** A provider behind its own breaker: `refusal` lets a create fail before it records a task it could not send. */
export type GuardedProvider = Provider & { refusal: () => Error | null, state: () => BreakerState }

// Failures that say the gateway is down, not that one request was bad.
function isOutage (err: unknown): boolean {
  return err instanceof GatewayError && (
    err.code === 'BFF_ERR_UPSTREAM_UNAVAILABLE' || err.code === 'BFF_ERR_UPSTREAM_TIMEOUT' ||
    (err.upstreamStatus !== undefined && err.upstreamStatus >= 500)
  )
}

/**
 * A circuit breaker around one provider: after `failureThreshold` outage-like failures in a row,
 * calls fail at once with 503 and a retry time instead of each waiting for a timeout; after the
 * cooldown one trial call decides whether it closes again.
 */
export function withCircuitBreaker (provider: Provider, opts: BreakerOptions & { title: string }): GuardedProvider {
  const now = opts.now ?? Date.now
  let failures = 0
  let openUntil = 0
  let trialInFlight = false

  function refusal (): GatewayError | null {
    const t = now()
    if (failures < opts.failureThreshold || (t >= openUntil && !trialInFlight)) return null
    return new GatewayError('BFF_ERR_UPSTREAM_CIRCUIT_OPEN', `The ${opts.title} is failing; new requests are paused`, {
      sent: false, retryAfterSec: Math.max(1, Math.ceil((openUntil - t) / 1000))
    })
  }

  async function guard<T> (call: () => Promise<T>): Promise<T> {
    const refused = refusal()
    if (refused) throw refused
    const open = failures >= opts.failureThreshold
    trialInFlight = open
    try {
      const result = await call()
      failures = 0
      return result
    } catch (err) {
      if (isOutage(err)) {
        failures++
        if (failures >= opts.failureThreshold) openUntil = now() + opts.cooldownMs
      }
      throw err
    } finally {
      if (open) trialInFlight = false
    }
  }

  return {
    ...provider,
    create: (req) => guard(() => provider.create(req)),
    get: (id, task) => guard(() => provider.get(id, task)),
    ...(provider.recover ? { recover: (taskId: string) => guard(() => provider.recover!(taskId)) } : {}),
    ...(provider.ping ? { ping: () => guard(() => provider.ping!()) } : {}),
    refusal,
    state: () => {
      const open = failures >= opts.failureThreshold
      return { open, retryAfterMs: open ? Math.max(0, openUntil - now()) : 0, consecutiveFailures: failures }
    }
  }
}
