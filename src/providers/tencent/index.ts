import { randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import type { CapabilityDefinition } from '../../tasks/capabilities/types.ts'
import type { ProviderModule } from '../types.ts'
import { tencentSettings } from './config.ts'
import { TENCENT_PROVIDER_ID, tencentImageToMusic } from './capability.ts'
import { createTencentProvider } from './client.ts'
import { buildTencentSimulator, TENCENT_JOB_PATH, TENCENT_STORAGE_PATH } from './simulator/app.ts'

/**
 * Tencent's registry line: `TENCENT_*` configuration (config.tencent, declared in ./config.ts).
 * Without both secrets it runs against its simulator outside production, and is off in production.
 */
export const tencent: ProviderModule<typeof tencentSettings> = {
  id: TENCENT_PROVIDER_ID,
  title: 'Tencent image-to-music API',
  delivery: 'callback',
  capabilities: [tencentImageToMusic] as unknown as readonly CapabilityDefinition[],
  settings: tencentSettings,
  mode: (config) => !config.tencent.demo ? 'real' : config.simulateUnconfigured ? 'simulated' : 'off',
  build: (config) => createTencentProvider({
    ...config.tencent,
    // Required with secrets (config.ts refuses a start without it); set by `simulate` in demo mode.
    outputBaseUrl: config.tencent.outputBaseUrl ?? ''
  }),
  outputHosts: (config) => config.tencent.outputBaseUrl ? [new URL(config.tencent.outputBaseUrl).host.toLowerCase()] : [],
  timeoutMs: (config) => config.tencent.timeoutMs,
  async simulate (config) {
    // A fresh pair per run: only the BFF and its simulator know it.
    const secretId = `AKIDdemo${randomBytes(8).toString('hex')}`
    const secretKey = randomBytes(24).toString('base64url')
    const sim = await buildTencentSimulator({ secretId, secretKey })
    await sim.listen({ host: '127.0.0.1', port: 0 })
    const url = `http://127.0.0.1:${(sim.server.address() as AddressInfo).port}`
    return {
      url,
      config: { ...config, tencent: { ...config.tencent, endpoint: `${url}${TENCENT_JOB_PATH}`, secretId, secretKey, outputBaseUrl: `${url}${TENCENT_STORAGE_PATH}` } },
      close: () => sim.close()
    }
  }
}
