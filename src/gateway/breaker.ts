import { GatewayError } from './errors.ts'
import type { GatewayClient } from './types.ts'

export interface BreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number
  /** How long it stays open before one trial call is let through. */
  cooldownMs: number
  now?: () => number
}

export interface BreakerState { open: boolean, retryAfterMs: number, consecutiveFailures: number }

export type GuardedGateway = GatewayClient & { state: () => BreakerState }

// Failures that say the gateway is down, not that one request was bad.
function isOutage (err: unknown): boolean {
  return err instanceof GatewayError && (
    err.code === 'BFF_ERR_UPSTREAM_UNAVAILABLE' || err.code === 'BFF_ERR_UPSTREAM_TIMEOUT' ||
    (err.upstreamStatus !== undefined && err.upstreamStatus >= 500)
  )
}

/**
 * A circuit breaker around the gateway: after `failureThreshold` outage-like failures in a row,
 * calls fail at once with 503 and a retry time instead of each waiting for a timeout; after the
 * cooldown one trial call decides whether it closes again.
 */
export function withCircuitBreaker (client: GatewayClient, opts: BreakerOptions): GuardedGateway {
  const now = opts.now ?? Date.now
  let failures = 0
  let openUntil = 0
  let trialInFlight = false

  function refusal (): GatewayError | null {
    const t = now()
    if (failures < opts.failureThreshold || (t >= openUntil && !trialInFlight)) return null
    return new GatewayError('BFF_ERR_UPSTREAM_CIRCUIT_OPEN', 'The generation gateway is failing; new requests are paused', {
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
    createTask: (endpoint, body) => guard(() => client.createTask(endpoint, body)),
    getTask: (taskId) => guard(() => client.getTask(taskId)),
    refusal,
    close: () => client.close(),
    state: () => {
      const open = failures >= opts.failureThreshold
      return { open, retryAfterMs: open ? Math.max(0, openUntil - now()) : 0, consecutiveFailures: failures }
    }
  }
}
