import type { Config } from '../config.ts'
import { withCircuitBreaker, type BreakerState, type GuardedProvider } from '../gateway/breaker.ts'
import { GatewayError } from '../gateway/errors.ts'
import { instrumentProvider } from '../observability/instrument-provider.ts'
import type { Observer } from '../observability/observer.ts'
import { PROVIDERS } from './registry.ts'
import type { Provider, ProviderMode, ProviderModule } from './types.ts'

export interface ProviderSet {
  /** The provider of a task or a webhook route; throws for an id not in the registry. */
  get: (id: string) => GuardedProvider
  all: () => readonly GuardedProvider[]
  /** How each provider runs: real, simulated or off. */
  modes: Readonly<Record<string, ProviderMode>>
  close: () => Promise<void>
}

const CLOSED: BreakerState = { open: false, retryAfterMs: 0, consecutiveFailures: 0 }

/** A provider without credentials in production: every call is refused before it leaves, and it is never "failing". */
function offProvider (module: ProviderModule): GuardedProvider {
  const refusal = (): GatewayError => new GatewayError('BFF_ERR_UPSTREAM_UNAVAILABLE', `The ${module.title} is not configured on this server`, { sent: false })
  return {
    id: module.id,
    delivery: 'callback',
    confirmCallbacks: true,
    capabilities: module.capabilities,
    create: async () => { throw refusal() },
    get: async () => { throw refusal() },
    parseCallback: () => { throw refusal() },
    close: async () => {},
    refusal,
    state: () => CLOSED
  }
}

/**
 * Every registry provider for this configuration, each measured and behind its own circuit
 * breaker. `injected` replaces a built provider (tests); those are not closed here.
 */
export function createProviderSet (config: Config, observer: Observer, injected: Readonly<Record<string, Provider>> = {}): ProviderSet {
  const built: Provider[] = []
  const modes: Record<string, ProviderMode> = {}
  const guarded = new Map<string, GuardedProvider>()
  for (const module of PROVIDERS) {
    const given = injected[module.id]
    const mode = given ? 'real' : module.mode(config)
    modes[module.id] = mode
    if (mode === 'off') {
      guarded.set(module.id, offProvider(module))
      continue
    }
    const base = given ?? module.build(config)
    if (!given) built.push(base)
    // Measured inside the breaker, so the latency figures are of real calls, not of fast failures.
    guarded.set(module.id, withCircuitBreaker(instrumentProvider(base, observer), { ...config.circuit, title: module.title }))
  }
  return {
    get (id) {
      const provider = guarded.get(id)
      if (!provider) throw new Error(`no provider ${id} in the registry`)
      return provider
    },
    all: () => [...guarded.values()],
    modes,
    async close () {
      await Promise.all(built.map((p) => p.close()))
    }
  }
}
