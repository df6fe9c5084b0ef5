import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { buildApp } from '../../src/app.ts'
import type { GatewayClient } from '../../src/providers/tomoviee/types.ts'
import { UpstreamCommonSchema } from '../../src/tasks/capabilities/types.ts'
import { TOMOVIEE_CAPABILITIES } from '../../src/providers/tomoviee/capabilities/index.ts'
import { CAPABILITIES, findCapability } from '../../src/tasks/capabilities/index.ts'
import { readOutputs } from '../../src/providers/tomoviee/outputs.ts'
import { CASES } from '../fixtures/capabilities.ts'
import { bearer, testConfig } from '../helper.ts'

const sent: { endpoint: string, body: Record<string, unknown> }[] = []
const gateway: GatewayClient = {
  createTask: async (endpoint, body) => { sent.push({ endpoint, body }); return `up-${sent.length}` },
  getTask: async () => ({ status: 1 }),
  close: async () => {}
}
let app: FastifyInstance
beforeAll(async () => {
  app = await buildApp({ config: testConfig({ RATE_LIMIT_MAX: '10000' }), logger: false, gateway })
  await app.ready()
})
afterAll(async () => { await app.close() })

const post = (name: string, payload: Record<string, unknown>) =>
  app.inject({ method: 'POST', url: `/v1/tasks/${name}`, headers: bearer(), payload })

describe('capability definitions', () => {
  it('cover the eleven documented upstream capabilities, each endpoint once, each with a case', () => {
    const endpoints = TOMOVIEE_CAPABILITIES.map((c) => c.endpoint)
    // The endpoints of the upstream document; a capability added later adds to them.
    expect(endpoints).toEqual(expect.arrayContaining([
      'tm_reference_img2img', 'tm_reference_img2mask', 'tm_redrawing', 'tm_tail2video_b', 'tm_text2music', 'tm_text2sfx',
      'tm_text2speech', 'tm_text2video_b', 'tm_img2video_b', 'tm_video_continuation_b', 'tm_video_scoring'
    ]))
    expect(new Set(endpoints).size).toBe(endpoints.length)
    for (const def of TOMOVIEE_CAPABILITIES) expect(CASES.some((c) => c.name === def.name), def.name).toBe(true)
  })

  it.each(CAPABILITIES.map((d) => [d.name, d] as const))('%s: declares every URL field as a media input', (_name, def) => {
    type Prop = { format?: string, anyOf?: Prop[], items?: Prop }
    const json = z.toJSONSchema(def.input, { io: 'input' }) as { $defs?: Record<string, { properties: Record<string, Prop> }> }
    const props = Object.values(json.$defs ?? {})[0]!.properties
    // A media field is a URL or an upload reference (anyOf), or an array of them.
    const isUrl = (p: Prop): boolean => p.format === 'uri' || (p.anyOf ?? []).some(isUrl) || (p.items !== undefined && isUrl(p.items))
    const urlFields = Object.entries(props).filter(([, p]) => isUrl(p)).map(([k]) => k)
    expect(Object.keys(def.media).sort()).toEqual(urlFields.sort())
  })

  it.each(CAPABILITIES.map((d) => [d.name, d] as const))('%s: the example is valid and maps to a body the upstream schema accepts', (_name, def) => {
    const input = def.input.parse(def.example)
    expect(def.upstream.safeParse(def.toUpstream(input)).success).toBe(true)
  })
})

describe.each(CASES.map((c, i) => [`${c.name} #${i}`, c] as const))('%s', (_label, c) => {
  const def = findCapability(c.name)!

  it('forwards exactly the expected upstream body, with callback and params', async () => {
    const res = await post(c.name, c.body)
    expect(res.statusCode, res.body).toBe(202)
    const task = res.json() as { id: string }
    const last = sent.at(-1)!
    expect(last.endpoint).toBe(def.endpoint)
    const { callback, params, ...body } = last.body
    expect(body).toEqual(c.upstream)
    expect(params).toBe(task.id)
    expect(String(callback)).toMatch(new RegExp(`/webhooks/tomoviee\\?task=${task.id}&token=`))
    // The simulator validates with the upstream schema alone; the mapping must satisfy it.
    expect(def.upstream.safeParse(body).success).toBe(true)
    expect(UpstreamCommonSchema.safeParse({ callback, params }).success).toBe(true)
  })

  it('normalises the upstream result into outputs of the right type and count', () => {
    const outputs = readOutputs(def, c.result)
    expect(outputs).toHaveLength(c.outputs.count)
    expect(new Set(outputs!.map((o) => o.type))).toEqual(new Set([c.outputs.type]))
  })
})

const LIMITS = CASES.flatMap((c) => c.outside.map(([field, value]) => [c.name, field, value] as const))

describe('limits', () => {
  it.each(LIMITS)('%s rejects %s = %j with a 400 naming the field', async (name, field, value) => {
    const valid = CASES.find((c) => c.name === name)!.body
    const ok = await post(name, valid)
    expect(ok.statusCode).toBe(202)
    const res = await post(name, { ...valid, [field]: value })
    expect(res.statusCode).toBe(400)
    expect(res.json().code).toBe('BFF_ERR_VALIDATION')
    expect(res.json().issues.map((i: { path: string }) => i.path)).toContain(`body.${field}`)
  })
})

describe('GET /v1/capabilities', () => {
  it('lists every capability with the JSON Schema of its body, output type and typical duration', async () => {
    const res = await app.inject({ url: '/v1/capabilities', headers: bearer() })
    expect(res.statusCode).toBe(200)
    const { items } = res.json() as { items: { name: string, outputType: string, typicalSeconds: { min: number, max: number }, inputSchema: { type: string, properties: Record<string, unknown>, required?: string[] } }[] }
    expect(items.map((i) => i.name)).toEqual(CAPABILITIES.map((c) => c.name))
    const music = items.find((i) => i.name === 'text-to-music')!
    expect(music.outputType).toBe('audio')
    expect(music.typicalSeconds).toEqual({ min: 30, max: 120 })
    expect(music.inputSchema.type).toBe('object')
    expect(music.inputSchema.properties.count).toMatchObject({ type: 'integer', minimum: 1, maximum: 4, default: 1 })
    expect(music.inputSchema.required).toEqual(['prompt'])
    const t2v = items.find((i) => i.name === 'text-to-video')!
    expect((t2v.inputSchema.properties.cameraMove as { enum: string[] }).enum).toHaveLength(46)
  })

  it('requires authentication', async () => {
    expect((await app.inject('/v1/capabilities')).statusCode).toBe(401)
  })
})
