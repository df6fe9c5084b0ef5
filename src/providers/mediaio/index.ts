import { randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import type { CapabilityDefinition } from '../../tasks/capabilities/types.ts'
import type { ProviderModule } from '../types.ts'
import { mediaioSettings } from './config.ts'
import { MEDIAIO_CAPABILITIES, MEDIAIO_PROVIDER_ID } from './capabilities.ts'
import { createMediaioProvider } from './client.ts'
import { buildMediaioSimulator } from './simulator/app.ts'

/**
 * Media.io's registry line: `MEDIAIO_*` configuration (config.mediaio, declared in ./config.ts).
 * Polling only: the reconciler's poller asks Task Result within the `MEDIAIO_POLL_*` budget.
 * Without a key it runs against its simulator outside production, and is off in production.
 */
export const mediaio: ProviderModule<typeof mediaioSettings> = {
  id: MEDIAIO_PROVIDER_ID,
  title: 'Media.io generation API',
  delivery: 'polling',
  capabilities: MEDIAIO_CAPABILITIES as unknown as readonly CapabilityDefinition[],
  settings: mediaioSettings,
  mode: (config) => !config.mediaio.demo ? 'real' : config.simulateUnconfigured ? 'simulated' : 'off',
  build: (config) => createMediaioProvider({
    baseUrl: config.mediaio.baseUrl,
    apiKey: config.mediaio.apiKey,
    connectTimeoutMs: config.mediaio.connectTimeoutMs,
    timeoutMs: config.mediaio.timeoutMs
  }),
  // Real results are https (any host). A plain-http base URL is a loopback simulator (the
  // configuration allows no other), whose files are plain http too.
  outputHosts: (config) => config.mediaio.baseUrl.startsWith('http://') ? [new URL(config.mediaio.baseUrl).host.toLowerCase()] : [],
  timeoutMs: (config) => config.mediaio.timeoutMs,
  pollBudget: (config) => config.mediaio.poll,
  async simulate (config) {
    // A fresh key per run: only the BFF and its simulator know it.
    const apiKey = `demo-${randomBytes(16).toString('hex')}`
    const sim = await buildMediaioSimulator({ apiKey })
    await sim.listen({ host: '127.0.0.1', port: 0 })
    const url = `http://127.0.0.1:${(sim.server.address() as AddressInfo).port}`
    return {
      url,
      config: { ...config, mediaio: { ...config.mediaio, baseUrl: url, apiKey } },
      close: () => sim.close()
    }
  }
}
