import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { buildApp } from '../../src/app.ts'
import type { GatewayClient } from '../../src/providers/tomoviee/types.ts'
import { CAPABILITIES } from '../../src/tasks/capabilities/index.ts'
import { suggestField } from '../../src/tasks/field-hints.ts'
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

async function create (capability: string, payload: object): Promise<{ statusCode: number, body: { code: string, message: string, issues?: { path: string, message: string }[] } }> {
  const res = await app.inject({ method: 'POST', url: `/v1/tasks/${capability}`, headers: bearer(), payload })
  return { statusCode: res.statusCode, body: res.json() }
}

describe('strict request bodies', () => {
  it('refuse a misspelt field with a hint, before anything is sent upstream (so nothing is charged)', async () => {
    const before = upstreamCalls
    const res = await create('text-to-music', { prompt: 'lo-fi', durration: 30 })
    expect(res.statusCode).toBe(400)
    expect(res.body.code).toBe('BFF_ERR_VALIDATION')
    expect(res.body.issues).toEqual([{ path: 'body.durration', message: 'is not a known field; did you mean "duration"?' }])
    expect(res.body.message).toBe('body.durration: is not a known field; did you mean "duration"?')
    expect(upstreamCalls).toBe(before)
  })

  it('point upstream spellings to the BFF field, one issue per unknown field', async () => {
    const res = await create('text-to-video', { prompt: 'a fox', aspect_ratio: '9:16', qty: 2, zzz: true })
    expect(res.statusCode).toBe(400)
    expect(res.body.issues).toEqual([
      { path: 'body.aspect_ratio', message: 'is not a known field; did you mean "aspectRatio"?' },
      { path: 'body.qty', message: 'is not a known field (known: prompt, resolution, cameraMove, aspectRatio, metadata)' },
      { path: 'body.zzz', message: 'is not a known field (known: prompt, resolution, cameraMove, aspectRatio, metadata)' }
    ])
  })

  it('apply to the stream-token body too', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/stream-tokens', headers: bearer(), payload: { task_id: 'x' } })
    expect(res.statusCode).toBe(400)
    expect(res.json().issues).toEqual([{ path: 'body.task_id', message: 'is not a known field; did you mean "taskId"?' }])
  })

  it('are documented as additionalProperties: false for every capability', () => {
    for (const def of CAPABILITIES) {
      const json = z.toJSONSchema(def.input, { io: 'input' }) as { $defs?: Record<string, { additionalProperties?: unknown }> }
      const [schema] = Object.values(json.$defs ?? {})
      expect(schema?.additionalProperties, def.name).toBe(false)
    }
  })
})

describe('suggestField', () => {
  const known = ['videoUrl', 'prompt', 'duration', 'count', 'disableTranslate', 'imageUrl']
  it.each([
    ['durration', 'duration'], ['promt', 'prompt'], ['video_url', 'videoUrl'], ['file_link', 'videoUrl'],
    ['qty', 'count'], ['disable_translate', 'disableTranslate'], ['image', 'imageUrl'], ['Prompt', 'prompt']
  ])('%s -> %s', (unknown, meant) => {
    expect(suggestField(unknown, known)).toBe(meant)
  })

  it('offers nothing for an unrelated name', () => {
    expect(suggestField('colour', known)).toBeUndefined()
    expect(suggestField('id', known)).toBeUndefined()
  })
})

describe('mistakes that used to pass quietly', () => {
  it('a typo in a capability name answers a 404 that points to GET /v1/capabilities', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/tasks/text-to-musik', headers: bearer(), payload: { prompt: 'x' } })
    expect(res.statusCode).toBe(404)
    expect(res.json()).toMatchObject({ code: 'BFF_ERR_NOT_FOUND', message: 'No capability "text-to-musik" (did you mean "text-to-music"?); GET /v1/capabilities lists them' })
  })

  it('a malformed cursor is a 400, not the first page again', async () => {
    const objectCursor = Buffer.from(JSON.stringify({ page: 2 })).toString('base64url')
    for (const cursor of ['not-a-cursor', objectCursor]) {
      const res = await app.inject({ url: `/v1/tasks?cursor=${cursor}`, headers: bearer() })
      expect(res.statusCode).toBe(400)
      expect(res.json().issues).toEqual([{ path: 'querystring.cursor', message: 'is not a nextCursor from a previous page' }])
    }
  })
})
