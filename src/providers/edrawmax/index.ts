import type { AddressInfo } from 'node:net'
import type { CapabilityDefinition } from '../../tasks/capabilities/types.ts'
import type { ProviderModule } from '../types.ts'
import { edrawmaxSettings } from './config.ts'
import { EDRAWMAX_CAPABILITIES, EDRAWMAX_PROVIDER_ID } from './capability.ts'
import { createEdrawmaxProvider } from './client.ts'
import { buildEdrawmaxSimulator, EDRAWMAX_API_PATH } from './simulator/app.ts'
import { SIMULATOR_RESULT_HOSTS } from './trust.ts'

/**
 * EdrawMax's registry line: `EDRAWMAX_*` configuration (config.edrawmax, declared in ./config.ts).
 * It needs no credentials, so "demo" means no EDRAWMAX_BASE_URL: then it runs against its
 * simulator outside production, and is off in production.
 */
export const edrawmax: ProviderModule<typeof edrawmaxSettings> = {
  id: EDRAWMAX_PROVIDER_ID,
  title: 'EdrawMax diagram API',
  delivery: 'sync',
  capabilities: EDRAWMAX_CAPABILITIES as unknown as readonly CapabilityDefinition[],
  settings: edrawmaxSettings,
  mode: (config) => !config.edrawmax.demo ? 'real' : config.simulateUnconfigured ? 'simulated' : 'off',
  build: (config) => createEdrawmaxProvider({
    // Set by `simulate` in demo mode; an off provider is never built.
    baseUrl: config.edrawmax.baseUrl ?? '',
    connectTimeoutMs: config.edrawmax.connectTimeoutMs,
    timeoutMs: config.edrawmax.timeoutMs,
    retryDelayMs: config.edrawmax.retryDelayMs,
    // Only the simulator's loopback results are trusted beyond the documented hosts, and only in demo mode.
    resultHosts: config.edrawmax.demo ? SIMULATOR_RESULT_HOSTS : undefined
  }),
  // Real results are https on EdrawMax's storage hosts; the simulator serves plain http on loopback.
  outputHosts: (config) => config.edrawmax.demo && config.edrawmax.baseUrl ? [new URL(config.edrawmax.baseUrl).host.toLowerCase()] : [],
  timeoutMs: (config) => config.edrawmax.timeoutMs,
  syncConcurrency: (config) => config.edrawmax.concurrency,
  async simulate (config) {
    const sim = await buildEdrawmaxSimulator()
    await sim.listen({ host: '127.0.0.1', port: 0 })
    const url = `http://127.0.0.1:${(sim.server.address() as AddressInfo).port}`
    return {
      url,
      config: { ...config, edrawmax: { ...config.edrawmax, baseUrl: `${url}${EDRAWMAX_API_PATH}` } },
      close: () => sim.close()
    }
  }
}
