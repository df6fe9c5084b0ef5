import { afterEach, describe, expect, it } from 'vitest'
import { withCircuitBreaker } from '../../../src/gateway/breaker.ts'
import { createProviderOverview } from '../../../src/providers/overview.ts'
import type { ProviderSet } from '../../../src/providers/set.ts'
import type { Provider, ProviderModule } from '../../../src/providers/types.ts'
import { mediaioClient, startMediaioSimulator } from '../mediaio/harness.ts'

const closers: Array<() => Promise<void>> = []
afterEach(async () => { for (const close of closers.splice(0).reverse()) await close() })

// Media.io is the provider with a balance query; it is read through the same breaker the app puts it behind.
async function overviewOfMediaio (opts: { apiKey?: string, ttlMs?: number, now?: () => number } = {}) {
  const { sim, origin, handle } = await startMediaioSimulator({ credits: 5000 })
  const provider: Provider = mediaioClient(origin, opts.apiKey ? { apiKey: opts.apiKey } : {})
  closers.push(() => sim.close(), () => provider.close())
  const guarded = withCircuitBreaker(provider, { failureThreshold: 3, cooldownMs: 60_000, title: 'Media.io API' })
  const set: ProviderSet = { get: () => guarded, all: () => [guarded], modes: { mediaio: 'real' }, close: async () => {} }
  const module = { id: 'mediaio', title: 'Media.io API', delivery: 'polling' } as ProviderModule
  const overview = createProviderOverview([module], set, { ttlMs: opts.ttlMs ?? 60_000, ...(opts.now ? { now: opts.now } : {}) })
  return { overview, handle, sim }
}

describe('the providers overview', () => {
  it('shows Media.io\'s credits, asking the provider once per cache period however often it is read', async () => {
    let clock = Date.parse('2026-01-01T00:00:00Z')
    const { overview, handle } = await overviewOfMediaio({ ttlMs: 30_000, now: () => clock })
    const lists = await Promise.all([overview.list(), overview.list(), overview.list()])
    for (const items of lists) {
      expect(items).toEqual([{
        id: 'mediaio', title: 'Media.io API', delivery: 'polling', mode: 'real', health: 'ok',
        circuit: { open: false, retryAfterMs: 0, consecutiveFailures: 0 },
        balance: { amount: 5000, unit: 'credits', checkedAt: '2026-01-01T00:00:00.000Z' }
      }])
    }
    expect(handle.counts.credits).toBe(1)

    handle.credits = 4990
    clock += 29_000
    expect((await overview.list())[0]!.balance).toMatchObject({ amount: 5000 })
    expect(handle.counts.credits).toBe(1)
    clock += 2_000
    expect((await overview.list())[0]!.balance).toEqual({ amount: 4990, unit: 'credits', checkedAt: '2026-01-01T00:00:31.000Z' })
    expect(handle.counts.credits).toBe(2)
  })

  it('shows a rejected key as an error entry, not a failure of the whole list', async () => {
    const { overview } = await overviewOfMediaio({ apiKey: 'not-the-key' })
    const [entry] = await overview.list()
    expect(entry!.balance).toMatchObject({ error: { code: 'BFF_ERR_UPSTREAM_AUTH', message: 'Media.io rejected the BFF API key' } })
    expect(JSON.stringify(entry)).not.toContain('not-the-key')
  })

  it('shows an unreachable provider as an error entry', async () => {
    const { overview, sim } = await overviewOfMediaio()
    await new Promise<void>((resolve) => { sim.server.close(() => resolve()); sim.server.closeAllConnections() })
    const [entry] = await overview.list()
    expect(entry!.balance).toMatchObject({ error: { code: 'BFF_ERR_UPSTREAM_UNAVAILABLE' } })
  })
})
