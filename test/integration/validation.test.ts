import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import type { GatewayClient } from '../../src/providers/tomoviee/types.ts'
import { bearer, testConfig } from '../helper.ts'

let app: FastifyInstance
let upstreamCalls = 0
const gateway: GatewayClient = {
  createTask: async () => { upstreamCalls++; return 'up-1' },
  getTask: async () => ({ status: 1 }),
  close: async () => {}
}

beforeAll(async () => {
  app = await buildApp({ config: testConfig(), logger: false, gateway })
  await app.ready()
})
afterAll(async () => { await app.close() })

async function create (payload: unknown, headers: Record<string, string> = {}): Promise<{ statusCode: number, body: { code: string, message: string, issues?: { path: string, message: string }[] } }> {
  const res = typeof payload === 'string'
    ? await app.inject({ method: 'POST', url: '/v1/tasks/video-scoring', headers: { ...bearer(), 'content-type': 'application/json', ...headers }, body: payload })
    : await app.inject({ method: 'POST', url: '/v1/tasks/video-scoring', headers: { ...bearer(), ...headers }, payload: payload as object })
  return { statusCode: res.statusCode, body: res.json() }
}

describe('request validation', () => {
  it('answers 400 with a field-level message for each bad field, and calls nothing upstream', async () => {
    const before = upstreamCalls
    const res = await create({ videoUrl: 'ftp://example.com/a.mp4', prompt: '', duration: 4 })
    expect(res.statusCode).toBe(400)
    expect(res.body.code).toBe('BFF_ERR_VALIDATION')
    expect(res.body.issues?.map((i) => i.path).sort()).toEqual(['body.duration', 'body.prompt', 'body.videoUrl'])
    expect(res.body.message).toMatch(/^body\./)
    expect(upstreamCalls).toBe(before)
  })

  it.each([
    [{ prompt: 'x' }, 'body.videoUrl'],
    [{ videoUrl: 'https://e.com/a.mp4' }, 'body.prompt'],
    [{ videoUrl: 'not a url', prompt: 'x' }, 'body.videoUrl'],
    [{ videoUrl: 'https://e.com/a.mp4', prompt: 'x', duration: 901 }, 'body.duration'],
    [{ videoUrl: 'https://e.com/a.mp4', prompt: 'x', duration: 7.5 }, 'body.duration'],
    [{ videoUrl: 'https://e.com/a.mp4', prompt: 'long'.repeat(251) }, 'body.prompt']
  ])('rejects bad input #%# at %s', async (payload, path) => {
    const res = await create(payload)
    expect(res.statusCode).toBe(400)
    expect(res.body.issues?.map((i) => i.path)).toContain(path)
  })

  it('answers 400 BFF_ERR_BAD_JSON for a body that is not JSON, and 415 for another media type', async () => {
    expect(await create('{"videoUrl":')).toMatchObject({ statusCode: 400, body: { code: 'BFF_ERR_BAD_JSON' } })
    const res = await app.inject({ method: 'POST', url: '/v1/tasks/video-scoring', headers: { ...bearer(), 'content-type': 'text/plain' }, body: 'hello' })
    expect(res.statusCode).toBe(415)
    expect(res.json().code).toBe('BFF_ERR_UNSUPPORTED_MEDIA_TYPE')
  })

  it('accepts the smallest valid body', async () => {
    const res = await create({ videoUrl: 'https://e.com/a.mp4', prompt: 'x' })
    expect(res.statusCode).toBe(202)
  })

  it('validates list queries', async () => {
    const bad = await app.inject({ method: 'GET', url: '/v1/tasks?status=done&limit=0', headers: bearer() })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().issues.map((i: { path: string }) => i.path).sort()).toEqual(['querystring.limit', 'querystring.status'])
  })

  it('pages the list newest first and filters by status', async () => {
    for (let i = 0; i < 3; i++) {
      await create({ videoUrl: 'https://e.com/a.mp4', prompt: `p${i}` })
      // Tasks created in the same millisecond are ordered by id: give each its own createdAt.
      const at = Date.now()
      while (Date.now() === at) await new Promise((resolve) => setImmediate(resolve))
    }
    const first = await app.inject({ method: 'GET', url: '/v1/tasks?limit=2', headers: bearer() })
    const page1 = first.json() as { items: { createdAt: string, input: { prompt: string } }[], nextCursor: string }
    expect(page1.items).toHaveLength(2)
    expect(page1.items[0]!.input.prompt).toBe('p2')
    const second = await app.inject({ method: 'GET', url: `/v1/tasks?limit=2&cursor=${page1.nextCursor}`, headers: bearer() })
    const page2 = second.json() as { items: { input: { prompt: string } }[] }
    expect(page2.items.map((t) => t.input.prompt)).not.toContain('p2')
    expect(page2.items.map((t) => t.input.prompt)).toContain('p0')
    const failed = await app.inject({ method: 'GET', url: '/v1/tasks?status=failed', headers: bearer() })
    expect(failed.json().items).toEqual([])
  })

  it('answers unknown routes with 404 BFF_ERR_NOT_FOUND', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/tasks/teleport', headers: bearer(), payload: {} })
    expect(res.statusCode).toBe(404)
    expect(res.json().code).toBe('BFF_ERR_NOT_FOUND')
  })

  it('reports liveness and readiness', async () => {
    expect((await app.inject('/healthz')).json()).toEqual({ status: 'ok' })
    expect((await app.inject('/readyz')).json()).toEqual({ status: 'ready' })
  })
})
