import { isBffError, type ErrorCode } from '../errors.ts'
import type { BreakerState } from '../gateway/breaker.ts'
import type { ProviderSet } from './set.ts'
import type { Balance, Provider, ProviderModule } from './types.ts'

/** One provider as operators see it: how it runs, whether it is failing, what its account has left. */
export interface ProviderOverview {
  id: string
  title: string
  delivery: Provider['delivery']
  mode: 'real' | 'simulated' | 'off'
  /** ok: calls go through; failing: the circuit breaker is open; off: not configured here. */
  health: 'ok' | 'failing' | 'off'
  circuit: BreakerState
  /** Absent for providers without a balance query. */
  balance?: BalanceReading | undefined
}

export type BalanceReading =
  | (Balance & { checkedAt: string })
  | { error: { code: ErrorCode, message: string }, checkedAt: string }

export interface OverviewOptions {
  /** How long one balance reading is shown before the provider is asked again. */
  ttlMs: number
  now?: () => number
}

interface Cached { until: number, reading: Promise<BalanceReading> }

/**
 * The operators' view of every registry provider. Balances are read at most once per `ttlMs`
 * per provider, however often the route is called, and concurrent callers share the one call in
 * flight, so the operators' page cannot eat the provider's quota.
 */
export function createProviderOverview (modules: readonly ProviderModule[], set: ProviderSet, opts: OverviewOptions) {
  const now = opts.now ?? Date.now
  const cache = new Map<string, Cached>()

  async function read (provider: Provider & { balance: () => Promise<Balance> }): Promise<BalanceReading> {
    try {
      const b = await provider.balance()
      return { amount: b.amount, unit: b.unit, checkedAt: new Date(now()).toISOString() }
    } catch (err) {
      // Shown as an entry, never a 500: a GatewayError's code is stable and its message safe to show.
      const error = isBffError(err)
        ? { code: err.code, message: err.message }
        : { code: 'BFF_ERR_UPSTREAM_BAD_RESPONSE' as const, message: 'The balance could not be read' }
      return { error, checkedAt: new Date(now()).toISOString() }
    }
  }

  function balanceOf (provider: Provider): Promise<BalanceReading> | undefined {
    const { balance } = provider
    if (!balance) return undefined
    const hit = cache.get(provider.id)
    if (hit && hit.until > now()) return hit.reading
    const reading = read({ ...provider, balance })
    cache.set(provider.id, { until: now() + opts.ttlMs, reading })
    return reading
  }

  return {
    async list (): Promise<ProviderOverview[]> {
      return Promise.all(modules.map(async (module) => {
        const mode = set.modes[module.id] ?? 'off'
        const provider = set.get(module.id)
        const circuit = provider.state()
        const balance = mode === 'off' ? undefined : await balanceOf(provider)
        return {
          id: module.id,
          title: module.title,
          delivery: module.delivery,
          mode,
          health: mode === 'off' ? 'off' : circuit.open ? 'failing' : 'ok',
          circuit,
          ...(balance ? { balance } : {})
        }
      }))
    }
  }
}
