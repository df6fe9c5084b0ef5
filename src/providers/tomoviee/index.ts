import { randomBytes } from 'node:crypto'
import type { ProviderModule } from '../types.ts'
import { TOMOVIEE_CAPABILITIES } from './capabilities/index.ts'
import { createGatewayClient } from './client.ts'
import { tomovieeSettings } from './config.ts'
import { createTomovieeProvider, TOMOVIEE_PROVIDER_ID } from './provider.ts'
import { buildSimulator } from './simulator/app.ts'

/** ToMoviee's registry line: `TOMOVIEE_*` configuration (config.tomoviee, declared in ./config.ts), simulated in demo mode. */
export const tomoviee: ProviderModule<typeof tomovieeSettings> = {
  id: TOMOVIEE_PROVIDER_ID,
  title: 'ToMoviee gateway',
  delivery: 'callback',
  capabilities: TOMOVIEE_CAPABILITIES,
  settings: tomovieeSettings,
  mode: (config) => config.demo ? 'simulated' : 'real',
  build: (config) => createTomovieeProvider(createGatewayClient(config.tomoviee)),
  outputHosts: (config) => [new URL(config.tomoviee.baseUrl).host.toLowerCase()],
  timeoutMs: (config) => config.tomoviee.timeoutMs,
  pollBudget: (config) => ({ concurrency: config.reconcile.concurrency, ...config.tomoviee.poll }),
  async simulate (config, ctx) {
    // A fresh secret per run: the simulator and the BFF are the only ones who need it.
    const appKey = 'demo-app-key'
    const appSecret = randomBytes(24).toString('base64url')
    // Progress callbacks stay off unless asked for: the real gateway calls back only at the end, and
    // the demo should show the progress production shows (the BFF's own polls of watched tasks).
    // It fetches uploads through the BFF's signed links, as the real gateway would.
    const simulator = await buildSimulator({ appKey, appSecret, progressCallbacks: config.tomoviee.simulator.progressCallbacks, fetchInputHosts: [new URL(ctx.publicUrl).host], defaultBehaviour: config.tomoviee.simulator.behaviour, loggerInstance: ctx.log.child({ component: 'simulator' }) })
    let url: string
    try {
      url = await simulator.listen({ host: '127.0.0.1', port: config.tomoviee.simulator.port })
    } catch (err) {
      await simulator.close()
      throw Object.assign(err as Error, { variable: 'SIMULATOR_PORT', port: config.tomoviee.simulator.port })
    }
    // The simulator's own files may be fed back in (e.g. a mask into image-redraw), so its host is allowed.
    const host = new URL(url).host
    return {
      url,
      config: {
        ...config,
        tomoviee: { ...config.tomoviee, baseUrl: url, appKey, appSecret },
        inputs: { ...config.inputs, httpAllowHosts: [...config.inputs.httpAllowHosts, host] }
      },
      close: () => simulator.close()
    }
  }
}
