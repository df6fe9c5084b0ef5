import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../src/app.ts'
import { PROJECT_ROOT } from '../src/meta.ts'
import { SseEventDataSchema, SseEventNameSchema } from '../src/sse/schemas.ts'
import { CAPABILITIES } from '../src/tasks/capabilities/index.ts'
import { WebhookPayloadSchema } from '../src/webhooks/payload.ts'
import { signedHeaders } from '../src/webhooks/signing.ts'
import { bearer, createTask, startStack, testConfig } from './helper.ts'
import { openSse } from './sse-client.ts'

type Json = Record<string, any>
let app: FastifyInstance
let served: Json
const yamlText = readFileSync(join(PROJECT_ROOT, 'openapi.yaml'), 'utf8')

beforeAll(async () => {
  app = await buildApp({ config: testConfig(), logger: false })
  served = (await app.inject({ url: '/openapi.json' })).json()
})
afterAll(async () => { await app.close() })

const operations = (doc: Json): [string, string, Json][] =>
  Object.entries(doc.paths as Json).flatMap(([path, item]) => Object.entries(item as Json).map(([method, op]) => [path, method, op as Json] as [string, string, Json]))

describe('openapi.yaml as generators read it', () => {
  it('is read the same by a YAML 1.1 reader, a YAML 1.2 reader and /openapi.json', () => {
    expect(yamlText).toContain("'16:9'".replaceAll("'", '"'))
    expect(parse(yamlText, { version: '1.1' })).toEqual(served)
    expect(parse(yamlText, { version: '1.2' })).toEqual(served)
    expect(yamlText).not.toMatch(/^\s*[^#\n]*[&*]a\d+\b/m) // no anchors or aliases
  })

  it('states its license and servers, and leaves the gateway callback out', () => {
    expect(served.info.license).toEqual({ name: 'MIT', identifier: 'MIT' })
    expect(served.servers).toEqual([expect.objectContaining({ url: '/' })])
    expect(Object.keys(served.paths).filter((p) => p.startsWith('/webhooks'))).toEqual([])
  })

  it('marks public routes with an empty security list, and secured ones with bearerAuth', () => {
    for (const [path, , op] of operations(served)) {
      const expected = path === '/healthz' || path === '/readyz' ? [] : [{ bearerAuth: [] }]
      expect(op.security, path).toEqual(expected)
    }
  })

  it('lists 413, 415 and 429 (with Retry-After) on every create, and Idempotent-Replayed on its 202', () => {
    for (const def of CAPABILITIES) {
      const op = served.paths[`/v1/tasks/${def.name}`].post
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['202', '400', '401', '413', '415', '429']))
      expect(op.responses['429'].headers['retry-after']).toEqual({ $ref: '#/components/headers/RetryAfter' })
      expect(op.responses['202'].headers).toHaveProperty('idempotent-replayed')
      expect(op.responses['202'].headers).toHaveProperty('x-ratelimit-remaining')
      expect(op.responses['400'].description).toContain('BFF_ERR_VALIDATION')
    }
  })

  it('keeps defaulted request fields optional and names capabilities by enum', () => {
    const body = served.components.requestBodies.TextToMusicInput.content['application/json'].schema
    expect(body.required).toEqual(['prompt'])
    expect(body.properties.duration.default).toBe(20)
    const names = CAPABILITIES.map((c) => c.name)
    expect(served.components.schemas.Task.properties.capability.enum).toEqual(names)
    expect(served.components.schemas.Capability.properties.name.enum).toEqual(names)
  })

  it('documents each event stream by its data, the event names and Last-Event-ID as a header', () => {
    for (const path of ['/v1/events', '/v1/tasks/{id}/events']) {
      const op = served.paths[path].get
      expect(op.parameters).toContainEqual(expect.objectContaining({ in: 'header', name: 'last-event-id' }))
      const stream = op.responses['200'].content['text/event-stream']
      expect(stream.schema).toEqual({ $ref: '#/components/schemas/SseEventData' })
    }
    expect(served.components.schemas.SseEventName.enum).toEqual(expect.arrayContaining(['task.succeeded', 'task.reset', 'tasks.reset', 'shutdown']))
  })
})

describe('the documented webhook', () => {
  it('has the body WebhookPayloadSchema gives and exactly the headers a signed attempt carries', () => {
    const op = served.webhooks.taskEvent.post
    expect(op.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/WebhookPayload' })
    const payload = served.components.schemas.WebhookPayload
    expect(Object.keys(payload.properties).sort()).toEqual(Object.keys(WebhookPayloadSchema.shape).sort())
    expect(payload.properties.type).toEqual({ $ref: '#/components/schemas/TaskEventType' })
    expect(payload.properties.data).toEqual({ $ref: '#/components/schemas/Task' })
    const sent = signedHeaders(Buffer.alloc(32, 7), 'msg_1', 1_767_225_600, '{"type":"task.succeeded"}')
    const documented = op.parameters as Json[]
    expect(documented.map((p) => p.name).sort()).toEqual(Object.keys(sent).sort())
    for (const p of documented) {
      expect(p).toMatchObject({ in: 'header', required: true })
      if (p.schema.pattern) expect(sent[p.name], p.name).toMatch(new RegExp(p.schema.pattern))
    }
    expect(served.tags).toContainEqual(expect.objectContaining({ name: op.tags[0] }))
  })
})

describe('the documented event schemas', () => {
  it('match what a real stream sends, up to the shutdown event', async () => {
    const stack = await startStack()
    try {
      const sse = await openSse(`${stack.url}/v1/events`, bearer())
      const task = await createTask(stack, { prompt: 'documented' })
      await sse.waitFor((f) => f.event === 'task.succeeded' && JSON.parse(f.data!).id === task.id)
      await stack.stopBff()
      await sse.ended
      const events = sse.frames.filter((f) => f.data !== undefined)
      expect(events.map((f) => f.event)).toContain('shutdown')
      for (const frame of events) {
        expect(SseEventNameSchema.safeParse(frame.event).success, frame.event).toBe(true)
        expect(SseEventDataSchema.safeParse(JSON.parse(frame.data!)).success, frame.data).toBe(true)
      }
    } finally {
      await stack.sim.close()
    }
  })
})
