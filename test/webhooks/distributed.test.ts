import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { afterAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { buildSimulator } from '../../src/providers/tomoviee/simulator/app.ts'
import { APP_KEY, APP_SECRET, bearer, dropClientConnections, eventually, freePort, testConfig } from '../helper.ts'
import { dropPrefix, REDIS_URL, redisAvailable, testPrefix } from '../redis-helper.ts'
import { endpointsEnv, startReceiver, type Receiver } from './receiver.ts'

const available = await redisAvailable()
const prefix = testPrefix()
const apps: FastifyInstance[] = []
let sim: FastifyInstance | undefined
let receiver: Receiver | undefined

afterAll(async () => {
  await dropClientConnections()
  for (const app of apps) await app.close()
  await sim?.close()
  await receiver?.close()
  if (available) await dropPrefix(prefix)
})

describe.skipIf(!available)('webhook deliveries on Redis', () => {
  it('two instances deliver each message exactly once, whichever instance wrote the event', async () => {
    receiver = await startReceiver()
    sim = await buildSimulator({ appKey: APP_KEY, appSecret: APP_SECRET, queueMs: 30, processMs: 150, progressSteps: 2 })
    await sim.listen({ host: '127.0.0.1', port: 0 })
    const simUrl = `http://127.0.0.1:${(sim.server.address() as AddressInfo).port}`
    const urls: string[] = []
    for (let i = 0; i < 2; i++) {
      const port = await freePort()
      const app = await buildApp({
        config: testConfig({
          PORT: String(port),
          PUBLIC_URL: `http://127.0.0.1:${port}`,
          TOMOVIEE_BASE_URL: simUrl,
          REDIS_URL,
          REDIS_PREFIX: prefix,
          WEBHOOK_ENDPOINTS: endpointsEnv(receiver.url),
          WEBHOOK_DELIVERY_POLL_MS: '20',
          WEBHOOK_DELIVERY_CONCURRENCY: '4',
          WEBHOOK_RETRY_SCHEDULE: '50ms,100ms'
        }),
        logger: false
      })
      await app.listen({ host: '127.0.0.1', port })
      apps.push(app)
      urls.push(`http://127.0.0.1:${port}`)
    }
    const ids: string[] = []
    for (let i = 0; i < 12; i++) {
      const res = await fetch(`${urls[i % 2]}/v1/tasks/text-to-speech`, { method: 'POST', headers: { ...bearer(), 'content-type': 'application/json' }, body: JSON.stringify({ text: `hello ${i}` }) })
      expect(res.status).toBe(202)
      ids.push(((await res.json()) as { id: string }).id)
    }
    type List = { items: { id: string, state: string, event: string }[] }
    const lists = await eventually(async () => Promise.all(ids.map(async (id, i) => (await (await fetch(`${urls[(i + 1) % 2]}/v1/tasks/${id}/deliveries`, { headers: bearer() })).json()) as List)),
      (all) => all.every((l) => l.items.some((d) => d.event === 'task.succeeded') && l.items.every((d) => d.state === 'delivered')), 30_000)
    const expected = lists.flatMap((l) => l.items.map((d) => d.id))
    const received = receiver.received.map((r) => r.id)
    expect(received.length).toBe(expected.length)
    expect(new Set(received)).toEqual(new Set(expected))
    expect(receiver.verifiedIds().size).toBe(expected.length)
  }, 60_000)
})
