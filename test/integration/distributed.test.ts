import { mkdtempSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { buildSimulator } from '../../src/providers/tomoviee/simulator/app.ts'
import { APP_KEY, APP_SECRET, bearer, dropClientConnections, eventually, freePort, testConfig } from '../helper.ts'
import { dropPrefix, hasRedisServer, REDIS_URL, redisAvailable, startRedisServer, testPrefix } from '../redis-helper.ts'
import { openSse, type SseConnection } from '../sse-client.ts'

const available = await redisAvailable()

interface Instance { app: FastifyInstance, url: string, port: number }

let sim: FastifyInstance
let simUrl: string
let prefix: string
const instances: Instance[] = []
const streams: SseConnection[] = []
const cleanups: (() => Promise<void> | void)[] = []

async function startSim (): Promise<void> {
  sim = await buildSimulator({ appKey: APP_KEY, appSecret: APP_SECRET, queueMs: 30, processMs: 150, progressSteps: 2, callbackRetries: 20, callbackRetryDelayMs: 50 })
  await sim.listen({ host: '127.0.0.1', port: 0 })
  simUrl = `http://127.0.0.1:${(sim.server.address() as AddressInfo).port}`
}

/** One BFF instance on Redis; `callbacksTo` plays the load balancer: where the gateway's callbacks land. */
async function instance (opts: { port?: number, callbacksTo?: number, env?: Record<string, string>, redisUrl?: string } = {}): Promise<Instance> {
  const port = opts.port ?? await freePort()
  const config = testConfig({
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${opts.callbacksTo ?? port}`,
    TOMOVIEE_BASE_URL: simUrl,
    REDIS_URL: opts.redisUrl ?? REDIS_URL,
    REDIS_PREFIX: prefix,
    STREAM_TOKEN_SECRET: 'distributed-test-stream-secret-000001',
    ...opts.env
  })
  const app = await buildApp({ config, logger: false })
  await app.listen({ host: '127.0.0.1', port })
  const inst = { app, url: `http://127.0.0.1:${port}`, port }
  instances.push(inst)
  return inst
}

async function create (inst: Instance, text: string): Promise<{ status: number, body: { id: string, code?: string } }> {
  const res = await fetch(`${inst.url}/v1/tasks/text-to-speech`, { method: 'POST', headers: { ...bearer(), 'content-type': 'application/json' }, body: JSON.stringify({ text }) })
  return { status: res.status, body: await res.json() as { id: string } }
}

async function watch (inst: Instance, path: string, headers: Record<string, string> = {}): Promise<SseConnection> {
  const sse = await openSse(`${inst.url}${path}`, { ...bearer(), ...headers })
  streams.push(sse)
  await sse.waitFor((f) => f.retry !== undefined)
  return sse
}

afterEach(async () => {
  for (const s of streams.splice(0)) s.close()
  await dropClientConnections()
  for (const i of instances.splice(0)) await i.app.close()
  await sim?.close()
  for (const fn of cleanups.splice(0)) await fn()
  if (prefix) await dropPrefix(prefix).catch(() => {})
})

describe.skipIf(!available)('two instances sharing one Redis', () => {
  it('delivers a task created on A and called back on B to SSE clients on both', async () => {
    prefix = testPrefix()
    await startSim()
    const b = await instance()
    const a = await instance({ callbacksTo: b.port })
    const onA = await watch(a, '/v1/events')
    const onB = await watch(b, '/v1/events')
    const { body: task } = await create(a, 'hello')
    for (const sse of [onA, onB]) {
      await sse.waitFor((f) => f.event === 'task.succeeded' && JSON.parse(f.data!).id === task.id)
    }
    expect(onA.events().map((e) => e.id)).toEqual(onB.events().map((e) => e.id))
    const perTask = await watch(b, `/v1/tasks/${task.id}/events?lastEventId=0`)
    await perTask.ended
    expect(perTask.events().map((e) => e.event)).toEqual(['task.queued', 'task.succeeded'])
  })

  it('resumes on B with Last-Event-ID after a disconnect from A: exactly the missed events', async () => {
    prefix = testPrefix()
    await startSim()
    const a = await instance()
    const b = await instance({ callbacksTo: a.port })
    const first = await watch(a, '/v1/events')
    await create(a, 'one')
    const seen = await first.waitFor((f) => f.event === 'task.queued')
    first.close()
    const more = await Promise.all([create(b, 'two'), create(a, 'three')])
    await eventually(async () => Promise.all(more.map(async (m) => ((await (await fetch(`${b.url}/v1/tasks/${m.body.id}`, { headers: bearer() })).json()) as { status: string }).status)), (st) => st.every((x) => x === 'succeeded'))
    const resumed = await watch(b, '/v1/events', { 'last-event-id': seen.id! })
    await new Promise((resolve) => setTimeout(resolve, 200))
    const truth = await watch(a, '/v1/events', { 'last-event-id': '0' })
    await new Promise((resolve) => setTimeout(resolve, 200))
    const missed = truth.events().filter((e) => e.id > Number(seen.id)).map((e) => e.id)
    expect(missed.length).toBeGreaterThanOrEqual(5)
    expect(resumed.events().map((e) => e.id)).toEqual(missed)
  })

  it('holds the rate limits across instances', async () => {
    prefix = testPrefix()
    await startSim()
    const env = { RATE_LIMIT_CREATE_MAX: '3' }
    const a = await instance({ env })
    const b = await instance({ env })
    expect((await create(a, 'x1 #hang')).status).toBe(202)
    expect((await create(b, 'x2 #hang')).status).toBe(202)
    expect((await create(a, 'x3 #hang')).status).toBe(202)
    const over = await create(b, 'x4 #hang')
    expect(over.status).toBe(429)
    expect(over.body.code).toBe('BFF_ERR_RATE_LIMITED')
  })

  it('loses nothing when instance A dies mid-flight: B finishes its tasks', async () => {
    prefix = testPrefix()
    await startSim()
    const fast = { RECONCILE_INTERVAL_MS: '50', RECONCILE_OVERDUE_FACTOR: '0.02', RECONCILE_BASE_DELAY_MS: '50', RECONCILE_MAX_DELAY_MS: '200' }
    const b = await instance({ env: fast })
    const a = await instance({ callbacksTo: b.port, env: fast })
    const created = await Promise.all([create(a, 'late one #delay=400'), create(a, 'late two #delay=400 #no-callback')])
    await a.app.close()
    instances.splice(instances.indexOf(a), 1)
    const onB = await watch(b, '/v1/events', { 'last-event-id': '0' })
    for (const { body } of created) {
      await onB.waitFor((f) => f.event === 'task.succeeded' && JSON.parse(f.data!).id === body.id, 8000)
    }
  })

  it.skipIf(!hasRedisServer())('answers clear 503s while Redis is down and recovers by itself when it returns', async () => {
    prefix = testPrefix()
    await startSim()
    const dir = mkdtempSync(join(tmpdir(), 'bff-redis-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const redisPort = await freePort()
    let redis = await startRedisServer(redisPort, dir)
    cleanups.push(() => redis.stop())
    const a = await instance({ redisUrl: `redis://127.0.0.1:${redisPort}` })
    const { body: task } = await create(a, 'before the outage #hang')

    await redis.stop()
    await eventually(async () => (await fetch(`${a.url}/readyz`)).status, (s) => s === 503)
    const refused = await create(a, 'during the outage')
    expect(refused.status).toBe(503)
    expect(refused.body.code).toBe('BFF_ERR_STORE_UNAVAILABLE')
    const callback = await fetch(`${a.url}/webhooks/tomoviee?task=${task.id}&token=x`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    expect(callback.status).toBeGreaterThanOrEqual(500)

    redis = await startRedisServer(redisPort, dir)
    await eventually(async () => (await fetch(`${a.url}/readyz`)).status, (s) => s === 200, 10_000)
    expect((await create(a, 'after the outage')).status).toBe(202)
    const kept = await fetch(`${a.url}/v1/tasks/${task.id}`, { headers: bearer() })
    expect(kept.status).toBe(200)
  })
})
