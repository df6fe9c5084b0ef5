import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { Webhook } from 'standardwebhooks'
import { BOB, bearer, createTask, eventually, getTask, startStack, type Stack } from '../helper.ts'
import { dropPrefix, REDIS_URL, redisAvailable, testPrefix } from '../redis-helper.ts'
import { openSse } from '../sse-client.ts'
import { endpointsEnv, SECRET, startReceiver, type Receiver } from '../webhooks/receiver.ts'

async function create (stack: Stack, body: Record<string, unknown>): Promise<{ status: number, body: { code?: string, message?: string, issues?: { path: string }[] } }> {
  const res = await fetch(`${stack.url}/v1/tasks/video-scoring`, {
    method: 'POST',
    headers: { ...bearer(), 'content-type': 'application/json' },
    body: JSON.stringify({ videoUrl: 'https://example.com/clip.mp4', ...body })
  })
  return { status: res.status, body: await res.json() as never }
}

async function list (stack: Stack, query: string, who = undefined as { key: string } | undefined): Promise<{ status: number, body: { items: { id: string }[], nextCursor: string | null, code?: string } }> {
  const res = await fetch(`${stack.url}/v1/tasks?${query}`, { headers: bearer(who) })
  return { status: res.status, body: await res.json() as never }
}

const keys = (n: number): Record<string, string> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']))

describe('metadata limits', () => {
  let stack: Stack
  beforeAll(async () => { stack = await startStack() })
  afterAll(async () => { await stack.close() })

  it('accepts metadata at each bound', async () => {
    const res = await create(stack, { prompt: 'x #hang', metadata: { ...keys(15), ['k'.repeat(40)]: 'v'.repeat(500) } })
    expect(res.status).toBe(202)
  })

  it.each([
    ['17 keys', keys(17), /has 17 keys; at most 16/],
    ['a 41-character key', { ['k'.repeat(41)]: 'v' }, /key is 41 characters long; at most 40/],
    ['a 501-character value', { order: 'v'.repeat(501) }, /value is 501 characters long; at most 500/],
    ['an empty key', { '': 'v' }, /keys must not be empty/]
  ])('refuses %s with BFF_ERR_METADATA_LIMIT naming the limit', async (_name, metadata, message) => {
    const res = await create(stack, { prompt: 'x #hang', metadata })
    expect(res.status).toBe(400)
    expect(res.body.code).toBe('BFF_ERR_METADATA_LIMIT')
    expect(res.body.message).toMatch(message)
  })

  it.each([
    ['a number value', { n: 1 }],
    ['a boolean value', { ok: true }],
    ['a nested object', { nested: { a: 'b' } }],
    ['an array', ['a', 'b']],
    ['a string', 'order-1']
  ])('refuses %s with a validation error on body.metadata', async (_name, metadata) => {
    const res = await create(stack, { prompt: 'x #hang', metadata })
    expect(res.status).toBe(400)
    expect(res.body.code).toBe('BFF_ERR_VALIDATION')
    expect(res.body.issues?.[0]?.path).toMatch(/^body\.metadata/)
  })

  it('takes the limits from the configuration', async () => {
    const small = await startStack({ env: { METADATA_MAX_KEYS: '2', METADATA_MAX_KEY_LENGTH: '3', METADATA_MAX_VALUE_LENGTH: '4' } })
    try {
      expect((await create(small, { prompt: 'x #hang', metadata: { a: '1234', bcd: 'x' } })).status).toBe(202)
      expect((await create(small, { prompt: 'x #hang', metadata: keys(3) })).body.message).toMatch(/at most 2/)
      expect((await create(small, { prompt: 'x #hang', metadata: { abcd: 'x' } })).body.message).toMatch(/at most 3/)
      expect((await create(small, { prompt: 'x #hang', metadata: { a: '12345' } })).body.message).toMatch(/at most 4/)
    } finally {
      await small.close()
    }
  })

  it('counts metadata as part of an idempotent request', async () => {
    const headers = { ...bearer(), 'content-type': 'application/json', 'idempotency-key': `meta-${Date.now()}` }
    const post = async (metadata: Record<string, string>): Promise<number> => (await fetch(`${stack.url}/v1/tasks/video-scoring`, {
      method: 'POST', headers, body: JSON.stringify({ videoUrl: 'https://example.com/clip.mp4', prompt: 'x #hang', metadata })
    })).status
    expect(await post({ order: '1' })).toBe(202)
    expect(await post({ order: '1' })).toBe(202)
    expect(await post({ order: '2' })).toBe(422)
  })
})

const redisUp = await redisAvailable()

describe.each([
  ['SQLite', false],
  ['Redis', true]
])('metadata on %s', (_name, redis) => {
  let stack: Stack | undefined
  let receiver: Receiver | undefined
  const prefix = testPrefix()
  afterEach(async () => {
    await stack?.close()
    await receiver?.close()
    stack = undefined
  })
  afterAll(async () => { if (redis && redisUp) await dropPrefix(prefix) })

  it.skipIf(redis && !redisUp)('returns it with the task, in every SSE event and webhook delivery, and never sends it upstream', async () => {
    receiver = await startReceiver()
    stack = await startStack({
      env: {
        WEBHOOK_ENDPOINTS: endpointsEnv(receiver.url),
        WEBHOOK_RETRY_SCHEDULE: '50ms,100ms',
        WEBHOOK_DELIVERY_POLL_MS: '50',
        ...(redis ? { REDIS_URL, REDIS_PREFIX: prefix, STREAM_TOKEN_SECRET: 'metadata-test-stream-secret-0000001' } : {})
      }
    })
    const metadata = { orderId: 'order-4711', userId: 'user-secret-label' }
    const task = await createTask(stack, { prompt: 'calm', metadata })
    expect(task.metadata).toEqual(metadata)
    expect(task.input).not.toHaveProperty('metadata')
    expect((await getTask(stack, task.id)).body.metadata).toEqual(metadata)

    const sse = await openSse(`${stack.url}/v1/tasks/${task.id}/events?lastEventId=0`, bearer())
    await sse.waitFor((f) => f.event === 'task.succeeded', 20_000)
    sse.close()
    const events = sse.frames.filter((f) => f.event?.startsWith('task.')).map((f) => JSON.parse(f.data!) as { metadata: unknown })
    expect(events.length).toBeGreaterThanOrEqual(2)
    expect(events.every((e) => JSON.stringify(e.metadata) === JSON.stringify(metadata))).toBe(true)

    await eventually(() => receiver!.received.length, (n) => n >= events.length, 20_000)
    const wh = new Webhook(SECRET)
    const payloads = receiver.received.map((r) => wh.verify(r.body, r.headers) as { data: { id: string, metadata: unknown } })
    expect(payloads.every((p) => p.data.id === task.id && JSON.stringify(p.data.metadata) === JSON.stringify(metadata))).toBe(true)

    // The simulator saw the capability's fields only.
    const upstream = [...stack.sim.simulator.tasks.values()].find((t) => t.body.params === task.id)!
    expect(JSON.stringify(upstream.body)).not.toMatch(/metadata|order-4711|user-secret-label/)
  }, 40_000)

  it.skipIf(redis && !redisUp)('filters GET /v1/tasks by one metadata key and value', async () => {
    stack = await startStack({ env: redis ? { REDIS_URL, REDIS_PREFIX: testPrefix(), STREAM_TOKEN_SECRET: 'metadata-test-stream-secret-0000001' } : {} })
    const a = await createTask(stack, { prompt: 'a #hang', metadata: { cart: 'c-1' } })
    await createTask(stack, { prompt: 'b #hang', metadata: { cart: 'c-2' } })
    const c = await createTask(stack, { prompt: 'c #hang', metadata: { cart: 'c-1', extra: 'x' } })
    await createTask(stack, { prompt: 'd #hang', metadata: { cart: 'c-1' } }, BOB)
    const page1 = await list(stack, 'metadataKey=cart&metadataValue=c-1&limit=1')
    expect(page1.body.items.map((t) => t.id)).toEqual([c.id])
    const page2 = await list(stack, `metadataKey=cart&metadataValue=c-1&limit=1&cursor=${page1.body.nextCursor!}`)
    expect(page2.body).toMatchObject({ items: [{ id: a.id }], nextCursor: null })
    expect((await list(stack, 'metadataKey=cart&metadataValue=c-1&status=succeeded')).body.items).toEqual([])
    expect((await list(stack, 'metadataKey=cart&metadataValue=nope')).body.items).toEqual([])
    const half = await list(stack, 'metadataKey=cart')
    expect(half.status).toBe(400)
    expect(half.body.code).toBe('BFF_ERR_VALIDATION')
  }, 30_000)
})
