import type { AddressInfo } from 'node:net'
import { createEdrawmaxProvider, type EdrawmaxClientOptions } from '../../../src/providers/edrawmax/client.ts'
import { buildEdrawmaxSimulator, EDRAWMAX_API_PATH, type EdrawmaxSimulatorOptions } from '../../../src/providers/edrawmax/simulator/app.ts'
import { SIMULATOR_RESULT_HOSTS } from '../../../src/providers/edrawmax/trust.ts'
import type { ProviderHarness } from '../contract.ts'

/** The simulator on a loopback port, fast enough for tests. */
export async function startEdrawmaxSimulator (opts: EdrawmaxSimulatorOptions = {}) {
  const sim = await buildEdrawmaxSimulator({ delayMs: 50, ...opts })
  await sim.listen({ host: '127.0.0.1', port: 0 })
  const origin = `http://127.0.0.1:${(sim.server.address() as AddressInfo).port}`
  return { sim, origin, baseUrl: `${origin}${EDRAWMAX_API_PATH}` }
}

/** A provider pointed at a simulator, trusting its loopback result URLs as demo mode does. */
export function edrawmaxProviderFor (baseUrl: string, opts: Partial<EdrawmaxClientOptions> = {}) {
  return createEdrawmaxProvider({ baseUrl, connectTimeoutMs: 5000, timeoutMs: 20_000, retryDelayMs: 20, resultHosts: SIMULATOR_RESULT_HOSTS, ...opts })
}

export const edrawmaxHarness: ProviderHarness = {
  name: 'edrawmax',
  recovers: false,
  async start () {
    const { sim, baseUrl } = await startEdrawmaxSimulator()
    const provider = edrawmaxProviderFor(baseUrl)
    return {
      provider,
      capability: 'edrawmax-flowchart',
      input: (scenario) => ({ prompt: `Order received, then packed, then shipped${scenario === 'fail' ? ' #generation-failed' : ''}`, lang: 'en' }),
      contentTypes: { image: /^image\/png/, vector: /^image\/svg\+xml/ },
      async close () {
        await provider.close()
        await sim.close()
      }
    }
  }
}
