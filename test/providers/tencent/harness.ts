import type { AddressInfo } from 'node:net'
import { createTencentProvider } from '../../../src/providers/tencent/client.ts'
import { buildTencentSimulator, TENCENT_JOB_PATH, TENCENT_STORAGE_PATH, type TencentSimulatorOptions } from '../../../src/providers/tencent/simulator/app.ts'
import type { ProviderHarness, Scenario } from '../contract.ts'

export const SECRET_ID = 'AKIDtencent-test-secret-id-5e1f'
export const SECRET_KEY = 'tencent-test-secret-key-never-log-9c2a'

/** The simulator listening on a loopback port, fast enough for tests. */
export async function startTencentSimulator (opts: Partial<TencentSimulatorOptions> = {}) {
  const sim = await buildTencentSimulator({
    secretId: SECRET_ID, secretKey: SECRET_KEY, queueMs: 100, processMs: 300, callbackRetryDelayMs: 50, songSeconds: 2, ...opts
  })
  await sim.listen({ host: '127.0.0.1', port: 0 })
  const origin = `http://127.0.0.1:${(sim.server.address() as AddressInfo).port}`
  return { sim, origin, endpoint: `${origin}${TENCENT_JOB_PATH}`, storage: `${origin}${TENCENT_STORAGE_PATH}` }
}

const MARKERS: Record<Scenario, string> = {
  success: '',
  fail: '#fail',
  hang: '#hang',
  'no-callback': '#no-callback',
  'double-callback': '#double-callback'
}

export const tencentHarness: ProviderHarness = {
  name: 'tencent',
  upstreamTimeoutMs: 1000,
  recovers: true,
  async start (opts = {}) {
    const { sim, endpoint, storage } = await startTencentSimulator()
    const provider = createTencentProvider({
      endpoint,
      secretId: SECRET_ID,
      secretKey: opts.credentials === 'wrong' ? 'not-the-key' : SECRET_KEY,
      outputBaseUrl: storage,
      outputDir: '/bff',
      connectTimeoutMs: 5000,
      timeoutMs: 10_000
    })
    let n = 0
    return {
      provider,
      capability: 'tencent-image-to-music',
      // One mp3 and one mp4 job in turn, so both kinds of file are downloaded.
      input: (scenario) => ({
        imageUrl: `https://images.example.com/beach.png${MARKERS[scenario]}`,
        songCount: 2,
        format: n++ % 2 === 0 ? 'mp3' : 'mp4'
      }),
      contentTypes: { audio: /^audio\/mpeg/, video: /^video\/mp4/ },
      async close () {
        await provider.close()
        await sim.close()
      }
    }
  }
}
