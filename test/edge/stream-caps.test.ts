import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { ALICE, BOB, bearer, dropClientConnections, eventually, startStack, testConfig, type Stack } from '../helper.ts'
import { dropPrefix, REDIS_URL, redisAvailable, testPrefix } from '../redis-helper.ts'
import { openSse, type SseConnection } from '../sse-client.ts'

const streams: SseConnection[] = []
let stack: Stack | undefined
afterEach(async () => {
  for (const s of streams.splice(0)) s.close()
  await stack?.close()
  stack = undefined
})

async function open (url: string, headers: Record<string, string>): Promise<SseConnection> {
  const sse = await openSse(`${url}/v1/events`, headers)
  streams.push(sse)
  return sse
}

async function refused (url: string, headers: Record<string, string>): Promise<{ status: number, code?: string }> {
  const res = await fetch(`${url}/v1/events`, { headers: { accept: 'text/event-stream', ...headers } })
  return { status: res.status, ...(await res.json() as { code?: string }) }
}

async function taskCount (url: string, who = ALICE): Promise<number> {
  return ((await (await fetch(`${url}/v1/tasks?limit=100`, { headers: bearer(who) })).json()) as { items: unknown[] }).items.length
}

describe('event stream caps', () => {
  it('per owner and per client IP, with their own 429 code; a closed stream frees its slot', async () => {
    stack = await startStack({ env: { SSE_MAX_STREAMS_PER_OWNER: '3', SSE_MAX_STREAMS_PER_IP: '5' } })
    const { url } = stack
    const before = await taskCount(url)
    const alice = [await open(url, bearer(ALICE)), await open(url, bearer(ALICE)), await open(url, bearer(ALICE))]
    for (const s of alice) expect(s.status).toBe(200)
    expect(await refused(url, bearer(ALICE))).toMatchObject({ status: 429, code: 'BFF_ERR_TOO_MANY_STREAMS' })
    // Bob is another owner, but shares the address: two more fit, then the address is full.
    expect((await open(url, bearer(BOB))).status).toBe(200)
    expect((await open(url, bearer(BOB))).status).toBe(200)
    expect(await refused(url, bearer(BOB))).toMatchObject({ status: 429, code: 'BFF_ERR_TOO_MANY_STREAMS' })

    alice[0]!.close()
    await eventually(async () => (await fetch(`${url}/v1/events`, { headers: bearer(ALICE) }).then(async (r) => { await r.body?.cancel(); return r.status })), (st) => st === 200)
    expect(await taskCount(url)).toBe(before)
  })
})

describe('instance stream capacity', () => {
  it('past SSE_MAX_STREAMS new streams get 503 with Retry-After, while probes and the API still answer', async () => {
    stack = await startStack({ env: { SSE_MAX_STREAMS: '2', SSE_RETRY_MS: '4000' } })
    const { url } = stack
    const held = [await open(url, bearer(ALICE)), await open(url, bearer(BOB))]
    for (const s of held) expect(s.status).toBe(200)
    const res = await fetch(`${url}/v1/events`, { headers: { accept: 'text/event-stream', ...bearer(ALICE) } })
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('4')
    expect(await res.json()).toMatchObject({ code: 'BFF_ERR_STREAMS_FULL' })
    expect((await fetch(`${url}/healthz`)).status).toBe(200)
    expect((await fetch(`${url}/readyz`)).status).toBe(200)
    expect((await fetch(`${url}/v1/tasks`, { headers: bearer(ALICE) })).status).toBe(200)

    held[1]!.close()
    await eventually(async () => (await fetch(`${url}/v1/events`, { headers: bearer(ALICE) }).then(async (r) => { await r.body?.cancel(); return r.status })), (st) => st === 200)
  })
})

const redisUp = await redisAvailable()

describe.skipIf(!redisUp)('event stream caps across instances', () => {
  const prefix = testPrefix()
  const apps: FastifyInstance[] = []
  afterEach(async () => {
    for (const s of streams.splice(0)) s.close()
    await dropClientConnections()
    for (const a of apps.splice(0)) await a.close()
    await dropPrefix(prefix)
  })

  it('hold the per-owner cap over two instances', async () => {
    const env = { REDIS_URL, REDIS_PREFIX: prefix, SSE_MAX_STREAMS_PER_OWNER: '3', STREAM_TOKEN_SECRET: 'a-stream-secret-that-is-long-enough-02' }
    for (let i = 0; i < 2; i++) apps.push(await buildApp({ config: testConfig(env), logger: false }))
    const [a, b] = await Promise.all(apps.map(async (x) => x.listen({ host: '127.0.0.1', port: 0 })))
    const held = [await open(a!, bearer()), await open(a!, bearer()), await open(b!, bearer())]
    for (const s of held) expect(s.status).toBe(200)
    expect(await refused(a!, bearer())).toMatchObject({ status: 429, code: 'BFF_ERR_TOO_MANY_STREAMS' })
    expect(await refused(b!, bearer())).toMatchObject({ status: 429, code: 'BFF_ERR_TOO_MANY_STREAMS' })
    expect((await open(b!, bearer(BOB))).status).toBe(200)
    held[0]!.close()
    await eventually(async () => (await fetch(`${b}/v1/events`, { headers: bearer() }).then(async (r) => { await r.body?.cancel(); return r.status })), (st) => st === 200)
  }, 30_000)
})
