import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTencentProvider } from '../../../src/providers/tencent/client.ts'
import { SECRET_ID, SECRET_KEY, startTencentSimulator } from './harness.ts'

describe('a Tencent create whose answer is lost', () => {
  let sim: Awaited<ReturnType<typeof startTencentSimulator>>
  // Forwards each request to the simulator, then cuts the connection instead of answering.
  const proxy = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      void request(sim.endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.concat(chunks) })
        .then(async (upstream) => { await upstream.body.dump(); res.destroy() })
    })
  })
  beforeAll(async () => {
    sim = await startTencentSimulator()
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  })
  afterAll(async () => {
    proxy.closeAllConnections()
    await new Promise((resolve) => proxy.close(resolve))
    await sim.sim.close()
  })

  it('is an error that may have been sent, and ListJobs finds the job by our task id', async () => {
    const options = { secretId: SECRET_ID, secretKey: SECRET_KEY, outputBaseUrl: sim.storage, outputDir: '/bff', connectTimeoutMs: 2000, timeoutMs: 5000 }
    const lossy = createTencentProvider({ ...options, endpoint: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/release/job` })
    const direct = createTencentProvider({ ...options, endpoint: sim.endpoint })
    try {
      const taskId = randomUUID()
      const err = await lossy.create({ taskId, capability: 'tencent-image-to-music', input: { imageUrl: 'https://h.example/a.webp' }, deadlineAt: Date.now() + 60_000 })
        .then(() => null, (e: unknown) => e as { code: string, sent: boolean })
      expect(err).toMatchObject({ code: 'BFF_ERR_UPSTREAM_UNAVAILABLE', sent: true })
      const recovered = await direct.recover!(taskId)
      expect(recovered).toBeDefined()
      expect(sim.sim.tencentSimulator.jobs.get(recovered!)?.job.customId).toBe(taskId)
      await expect.poll(async () => (await direct.get(recovered!)).status, { timeout: 20_000 }).toBe('succeeded')
    } finally {
      await lossy.close()
      await direct.close()
    }
  })
})
