import { readdirSync, readFileSync } from 'node:fs'
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BffClientError, createClient, type BffClient, type Task } from '../../packages/client/src/index.ts'
import { CAPABILITIES } from '../../src/tasks/capabilities/index.ts'
import { ALICE, freePort, startStack, type Stack } from '../helper.ts'
import { clientFor, recordingFetch } from './helpers.ts'

const JWT_SECRET = 'a-jwt-secret-for-the-client-tests-0001'
const jwt = (sub: string, exp: number): Promise<string> =>
  new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt(exp - 60).setExpirationTime(exp).sign(new TextEncoder().encode(JWT_SECRET))

let stack: Stack
beforeAll(async () => { stack = await startStack({ env: { JWT_SECRET } }) })
afterAll(async () => { await stack.close() })

// Compile-time checks, never called: wrong bodies and names do not type-check.
export async function wrongCallsDoNotCompile (client: BffClient): Promise<void> {
  // @ts-expect-error text-to-speech needs `text`
  await client.createTask('text-to-speech', { prompt: 'x' })
  // @ts-expect-error no such resolution
  await client.createTask('text-to-video', { prompt: 'x', resolution: '4k' })
  // @ts-expect-error no such capability
  await client.createTask('text-to-poem', { prompt: 'x' })
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe('the client REST calls', () => {
  it('cancel a task, twice alike, and reject a finished one with its code', async () => {
    const client = clientFor(stack)
    const task = await client.createTask('video-scoring', { videoUrl: 'https://example.com/v.mp4', prompt: 'stop me #hang' })
    const canceled = await client.cancel(task.id)
    expect(canceled).toMatchObject({ id: task.id, status: 'canceled', error: { code: 'BFF_ERR_TASK_CANCELED' } })
    expect(await client.cancel(task.id)).toEqual(canceled)
    const missing = await client.cancel('no-such-task').catch((err: unknown) => err)
    expect(missing).toBeInstanceOf(BffClientError)
    expect((missing as BffClientError).code).toBe('BFF_ERR_TASK_NOT_FOUND')
  })

  it('create a task with metadata, read it back on the task, and list by one key and value', async () => {
    const client = clientFor(stack)
    const order = `order-${Date.now()}`
    const task = await client.createTask('video-scoring', { videoUrl: 'https://example.com/v.mp4', prompt: 'labelled #hang' }, { metadata: { order, source: 'client-test' } })
    expect(task.metadata).toEqual({ order, source: 'client-test' })
    expect(task.input).not.toHaveProperty('metadata')
    await client.createTask('video-scoring', { videoUrl: 'https://example.com/v.mp4', prompt: 'unlabelled #hang' })
    const page = await client.listTasks({ metadataKey: 'order', metadataValue: order })
    expect(page.items.map((t) => t.id)).toEqual([task.id])
    expect((await client.getTask(task.id)).metadata).toEqual({ order, source: 'client-test' })
    const tooMany = await client.createTask('video-scoring', { videoUrl: 'https://example.com/v.mp4', prompt: 'x #hang' }, {
      metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']))
    }).catch((err: unknown) => err)
    expect((tooMany as BffClientError).code).toBe('BFF_ERR_METADATA_LIMIT')
    await client.cancel(task.id)
  })

  it('list the capabilities, one per capability of the registry', async () => {
    // The generated CapabilityName is checked against the same registry in test/client/types.test.ts.
    const caps = await clientFor(stack).capabilities()
    expect(caps.map((c) => c.name).sort()).toEqual(CAPABILITIES.map((c) => c.name).sort())
    expect(caps.find((c) => c.name === 'text-to-speech')?.inputSchema).toMatchObject({ required: ['text'] })
  })

  it('create, read and list tasks with bodies typed per capability', async () => {
    const client = clientFor(stack)
    const speech: Task = await client.createTask('text-to-speech', { text: 'Hello there' })
    expect(speech).toMatchObject({ capability: 'text-to-speech', status: 'queued', input: { text: 'Hello there' } })
    const video = await client.createTask('text-to-video', { prompt: 'A fox in snow', resolution: '1080p', cameraMove: 'orbit' })
    expect(video.input).toMatchObject({ resolution: '1080p', aspectRatio: '16:9' })
    expect(await client.getTask(speech.id)).toMatchObject({ id: speech.id, capability: 'text-to-speech' })

    const first = await client.listTasks({ limit: 1 })
    expect(first.items.map((t) => t.id)).toEqual([video.id])
    expect(first.nextCursor).toEqual(expect.any(String))
    const second = await client.listTasks({ limit: 1, cursor: first.nextCursor! })
    expect(second.items.map((t) => t.id)).toEqual([speech.id])
    expect((await client.listTasks({ capability: 'text-to-video' })).items.map((t) => t.id)).toEqual([video.id])
  })

  it('throw BffClientError with the status, code, message, issues and Retry-After', async () => {
    const client = clientFor(stack)
    const invalid = await client.createTask('video-scoring', { videoUrl: 'ftp://x', prompt: '' }).catch((e: unknown) => e)
    expect(invalid).toBeInstanceOf(BffClientError)
    expect(invalid).toMatchObject({ status: 400, code: 'BFF_ERR_VALIDATION', issues: expect.arrayContaining([expect.objectContaining({ path: expect.stringContaining('videoUrl') })]) })
    await expect(client.getTask('no-such-task')).rejects.toMatchObject({ name: 'BffClientError', status: 404, code: 'BFF_ERR_TASK_NOT_FOUND' })
    await expect(clientFor(stack, { credentials: 'wrong-key' }).listTasks()).rejects.toMatchObject({ status: 401, code: 'BFF_ERR_AUTH_INVALID' })
    await expect(client.createStreamToken('no-such-task')).rejects.toMatchObject({ status: 404, code: 'BFF_ERR_TASK_NOT_FOUND' })

    const down = createClient({ baseUrl: `http://127.0.0.1:${await freePort()}`, credentials: ALICE.key })
    await expect(down.getTask('x')).rejects.toMatchObject({ status: 0, code: 'BFF_CLIENT_ERR_NETWORK' })

    const limited = await startStack({ env: { RATE_LIMIT_CREATE_MAX: '1' } })
    try {
      const c = clientFor(limited)
      await c.createTask('text-to-speech', { text: 'one' })
      const err = await c.createTask('text-to-speech', { text: 'two' }).catch((e: unknown) => e) as BffClientError
      expect(err).toMatchObject({ status: 429, code: 'BFF_ERR_RATE_LIMITED' })
      expect(err.retryAfter).toBeGreaterThan(0)
    } finally {
      await limited.close()
    }
  })

  it('send a fresh UUID Idempotency-Key per call, or the one given, which answers the same task', async () => {
    const rec = recordingFetch()
    const client = clientFor(stack, { fetch: rec.fetch })
    const a = await client.createTask('text-to-sfx', { prompt: 'door creak' })
    const b = await client.createTask('text-to-sfx', { prompt: 'door creak' })
    expect(a.id).not.toBe(b.id)
    const keys = rec.calls.map((c) => c.headers['idempotency-key'])
    expect(keys).toEqual([expect.stringMatching(UUID), expect.stringMatching(UUID)])
    expect(keys[0]).not.toBe(keys[1])

    const once = await client.createTask('text-to-sfx', { prompt: 'rain' }, { idempotencyKey: 'order-42' })
    const twice = await client.createTask('text-to-sfx', { prompt: 'rain' }, { idempotencyKey: 'order-42' })
    expect(twice.id).toBe(once.id)
    await expect(client.createTask('text-to-sfx', { prompt: 'snow' }, { idempotencyKey: 'order-42' }))
      .rejects.toMatchObject({ status: 422, code: 'BFF_ERR_IDEMPOTENCY_MISMATCH' })
  })

  it('retry a create whose answer was lost with the same key: one task, not two', async () => {
    let lost = 0
    const rec = recordingFetch((url, init, real) => {
      if (!url.endsWith('/v1/tasks/text-to-music') || lost > 0) return undefined
      lost++
      // The request reaches the BFF, the answer never comes back.
      return real(url, init).then(() => { throw new TypeError('fetch failed') })
    })
    const client = clientFor(stack, { fetch: rec.fetch })
    const before = (await client.listTasks({ capability: 'text-to-music', limit: 100 })).items.length
    const task = await client.createTask('text-to-music', { prompt: 'lost answer' })
    const creates = rec.calls.filter((c) => c.url.endsWith('/v1/tasks/text-to-music'))
    expect(creates).toHaveLength(2)
    expect(creates[1]!.headers['idempotency-key']).toBe(creates[0]!.headers['idempotency-key'])
    const after = (await client.listTasks({ capability: 'text-to-music', limit: 100 })).items
    expect(after).toHaveLength(before + 1)
    expect(after[0]!.id).toBe(task.id)
  })

  it('ask a credentials function again when the JWT has expired', async () => {
    const now = Math.floor(Date.now() / 1000)
    const tokens = [await jwt('carol', now - 3600), await jwt('carol', now + 300)]
    let asked = 0
    const client = clientFor(stack, { credentials: () => tokens[Math.min(asked++, 1)]! })
    expect(await client.listTasks()).toEqual({ items: [], nextCursor: null })
    expect(asked).toBe(2)
    await expect(clientFor(stack, { credentials: tokens[0]! }).listTasks()).rejects.toMatchObject({ status: 401, code: 'BFF_ERR_AUTH_EXPIRED' })
  })
})

describe('the client module', () => {
  it('imports nothing at run time but its own files (no zod, no server code)', () => {
    const dir = new URL('../../packages/client/src/', import.meta.url)
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const source = readFileSync(new URL(file, dir), 'utf8')
      const runtime = [...source.matchAll(/^(?:import|export)\s+(?!type\b)[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[1])
      for (const spec of runtime) expect(spec, `${file} imports ${spec}`).toMatch(/^\.\/[\w-]+\.ts$/)
    }
  })
})
