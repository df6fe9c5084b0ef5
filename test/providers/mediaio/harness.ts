import type { AddressInfo } from 'node:net'
import { createMediaioProvider, type MediaioClientOptions } from '../../../src/providers/mediaio/client.ts'
import { RESULT_PATH_PREFIX } from '../../../src/providers/mediaio/models.ts'
import { buildMediaioSimulator, type MediaioSimulatorOptions } from '../../../src/providers/mediaio/simulator/app.ts'
import type { ProviderHarness, Scenario } from '../contract.ts'

export const API_KEY = 'mediaio-test-key-never-log-4f7b9d'

/** Fast polls: the first at 1% of the model's typical minimum, backoff from 100 ms, passes every 100 ms. */
export const FAST_POLLING = { RECONCILE_INTERVAL_MS: '100', RECONCILE_OVERDUE_FACTOR: '0.01', RECONCILE_BASE_DELAY_MS: '100' }

/** The simulator on a loopback port, fast enough for tests. */
export async function startMediaioSimulator (opts: Partial<MediaioSimulatorOptions> = {}) {
  const sim = await buildMediaioSimulator({ apiKey: API_KEY, queueMs: 100, processMs: 300, imageLongSide: 256, ...opts })
  await sim.listen({ host: '127.0.0.1', port: 0 })
  const origin = `http://127.0.0.1:${(sim.server.address() as AddressInfo).port}`
  return { sim, origin, handle: sim.mediaioSimulator }
}

export function mediaioClient (origin: string, opts: Partial<MediaioClientOptions> = {}) {
  return createMediaioProvider({ baseUrl: origin, apiKey: API_KEY, connectTimeoutMs: 5000, timeoutMs: 10_000, ...opts })
}

// Polling only: the callback markers make no difference, which the suite then checks.
const MARKERS: Record<Scenario, string> = {
  success: '',
  fail: ' #fail',
  hang: ' #hang',
  'no-callback': '',
  'double-callback': ''
}

export const mediaioHarness: ProviderHarness = {
  name: 'mediaio',
  recovers: false,
  callbacks: false,
  async start (opts = {}) {
    const { sim, origin } = await startMediaioSimulator()
    const provider = mediaioClient(origin, { apiKey: opts.credentials === 'wrong' ? 'not-the-key' : API_KEY })
    return {
      provider,
      capability: 'mediaio-t2i-imagen-4',
      input: (scenario) => ({ prompt: `A lighthouse at dusk${MARKERS[scenario]}`, aspectRatio: '16:9', count: 2 }),
      contentTypes: { image: /^image\/png/ },
      async close () {
        await provider.close()
        await sim.close()
      }
    }
  }
}

/** A Media.io simulator that records when each Task Result request arrived. */
export async function countingSimulator (processMs: number) {
  const sim = await buildMediaioSimulator({ apiKey: API_KEY, queueMs: 100, processMs, imageLongSide: 64 })
  const results: number[] = []
  sim.addHook('onRequest', async (req) => { if (req.url.startsWith(RESULT_PATH_PREFIX)) results.push(Date.now()) })
  await sim.listen({ host: '127.0.0.1', port: 0 })
  return { sim, results, origin: `http://127.0.0.1:${(sim.server.address() as AddressInfo).port}` }
}

/** The most requests in any one-second window. */
export function busiestSecond (times: readonly number[]): number {
  const t = [...times].sort((a, b) => a - b)
  let best = 0
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[j]! <= t[i]! - 1000) j++
    best = Math.max(best, i - j + 1)
  }
  return best
}
