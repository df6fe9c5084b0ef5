/**
 * Delivery rate of the webhook worker to a local receiver: N events in the outbox, then the time
 * until every message is delivered. `npx tsx test/bench/webhook-rate.ts [messages] [concurrency] [sqlite|redis]`
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Redis } from 'ioredis'
import { pino } from 'pino'
import { createRedisStore } from '../../src/store/redis.ts'
import { createSqliteStore } from '../../src/store/sqlite.ts'
import { parseEndpoints, type Endpoint } from '../../src/webhooks/endpoints.ts'
import { outboxRouting } from '../../src/webhooks/routing.ts'
import { createSender } from '../../src/webhooks/send.ts'
import { createDeliveryWorker } from '../../src/webhooks/worker.ts'
import { makeTask } from '../store/fixtures.ts'
import { SECRET } from '../webhooks/receiver.ts'

const total = Number(process.argv[2] ?? 5000)
const concurrency = Number(process.argv[3] ?? 16)
const backend = process.argv[4] ?? 'sqlite'

let received = 0
const server = createServer((req, res) => { req.resume(); req.on('end', () => { received++; res.statusCode = 204; res.end() }) })
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`
const endpoints = parseEndpoints(JSON.stringify([{ url, secret: SECRET }])) as Endpoint[]
const settings = { endpoints, allowHosts: [], taskSecret: null, retryDelaysMs: [1000], timeoutMs: 5000, maxAnswerBytes: 1024, concurrency, pollMs: 1000, retentionMs: 86_400_000 }
const routing = outboxRouting(settings)!
const redis = backend === 'redis' ? new Redis(process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379') : undefined
const prefix = `bfftest-bench-${process.pid}`
const store = redis ? createRedisStore(redis, { prefix, maxEventsPerOwner: 100_000, maxEventsPerTask: 10, outbox: routing }) : createSqliteStore(':memory:', { outbox: routing })

for (let i = 0; i < total; i++) {
  const task = makeTask({ id: `bench-${i}` })
  await store.create(task, { maxActive: total + 1, now: Date.now() })
}
const sender = createSender({ timeoutMs: 5000, maxAnswerBytes: 1024 })
const worker = createDeliveryWorker({ store, sender, endpoints, taskSecret: null, retryDelaysMs: [1000], concurrency, pollMs: 1000, leaseMs: 11_000, log: pino({ level: 'warn' }) })
const started = performance.now()
worker.start()
while (received < total) await new Promise((resolve) => setTimeout(resolve, 5))
const seconds = (performance.now() - started) / 1000
await worker.stop()
process.stdout.write(`${backend}: ${total} messages at concurrency ${concurrency} in ${seconds.toFixed(2)} s: ${Math.round(total / seconds)} messages/s\n`)
await sender.close()
server.close()
if (redis) {
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', 1000)
    if (keys.length) await redis.unlink(...keys)
    cursor = next
  } while (cursor !== '0')
  redis.disconnect()
}
await store.close()
