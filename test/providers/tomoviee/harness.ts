import { createGatewayClient } from '../../../src/providers/tomoviee/client.ts'
import { textToMusic } from '../../../src/providers/tomoviee/capabilities/text-to-music.ts'
import { createTomovieeProvider } from '../../../src/providers/tomoviee/provider.ts'
import { buildSimulator } from '../../../src/providers/tomoviee/simulator/app.ts'
import { APP_KEY, APP_SECRET } from '../../simulator/helpers.ts'
import type { ProviderHarness, Scenario } from '../contract.ts'

// The gateway's own markers, read from the prompt.
const MARKERS: Record<Scenario, string> = {
  success: '',
  fail: ' #fail',
  hang: ' #hang',
  'no-callback': ' #no-callback',
  'double-callback': ' #double-callback'
}

/** ToMoviee's simulator on a loopback port, fast enough for tests, with callbacks at the end only (as documented). */
export const tomovieeHarness: ProviderHarness = {
  name: 'tomoviee',
  // The gateway has no lookup by our `params` and no job timeout of ours to honour, but times jobs out itself.
  recovers: false,
  timedOutInput: textToMusic.input.parse({ prompt: 'Calm piano #timeout', duration: 5 }),
  async start (opts = {}) {
    const sim = await buildSimulator({ appKey: APP_KEY, appSecret: APP_SECRET, queueMs: 100, processMs: 300, callbackRetryDelayMs: 50 })
    const baseUrl = await sim.listen({ host: '127.0.0.1', port: 0 })
    const provider = createTomovieeProvider(createGatewayClient({
      baseUrl,
      appKey: APP_KEY,
      appSecret: opts.credentials === 'wrong' ? 'not-the-secret' : APP_SECRET,
      connectTimeoutMs: 5000,
      timeoutMs: 10_000
    }))
    return {
      provider,
      capability: 'text-to-music',
      // The validated body, defaults applied, as the create flow hands it over.
      input: (scenario) => textToMusic.input.parse({ prompt: `Calm piano${MARKERS[scenario]}`, duration: 5 }),
      contentTypes: { audio: /^audio\/wav/ },
      async close () {
        await provider.close()
        await sim.close()
      }
    }
  }
}
