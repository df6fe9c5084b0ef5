import { MockAgent } from 'undici'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createGatewayClient } from '../../src/providers/tomoviee/client.ts'
import { GatewayError } from '../../src/gateway/errors.ts'
import type { GatewayClient } from '../../src/providers/tomoviee/types.ts'

const BASE = 'https://gateway.test'
const KEY = 'app-key-1'
const SECRET = 'app-secret-shh'
const BASIC = `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}`

let agent: MockAgent
let client: GatewayClient

beforeEach(() => {
  agent = new MockAgent()
  agent.disableNetConnect()
  client = createGatewayClient({ baseUrl: BASE, appKey: KEY, appSecret: SECRET, connectTimeoutMs: 1000, timeoutMs: 200, dispatcher: agent })
})
afterEach(async () => {
  agent.assertNoPendingInterceptors()
  await client.close()
  await agent.close()
})

async function failure (promise: Promise<unknown>): Promise<GatewayError> {
  const err = await promise.then(() => { throw new Error('expected a rejection') }, (e: unknown) => e)
  expect(err).toBeInstanceOf(GatewayError)
  const ge = err as GatewayError
  expect(ge.message).not.toContain(SECRET)
  return ge
}

describe('createTask', () => {
  it('posts the body with Basic auth and X-App-Key and returns the task id', async () => {
    let seen: { headers: Record<string, string>, body: unknown } | undefined
    agent.get(BASE).intercept({ path: '/v1/open/capacity/application/tm_video_scoring', method: 'POST' })
      .reply(200, (opts) => {
        seen = { headers: opts.headers as Record<string, string>, body: JSON.parse(String(opts.body)) }
        return { code: 0, msg: 'success', data: { task_id: 'up-123' } }
      })
    const id = await client.createTask('tm_video_scoring', { prompt: 'p', file_link: 'https://v' })
    expect(id).toBe('up-123')
    expect(seen?.headers.authorization).toBe(BASIC)
    expect(seen?.headers['x-app-key']).toBe(KEY)
    expect(seen?.headers['content-type']).toBe('application/json')
    expect(seen?.body).toEqual({ prompt: 'p', file_link: 'https://v' })
  })

  it('maps code != 0 without data to 502 REJECTED, keeping the upstream message out of the client message', async () => {
    agent.get(BASE).intercept({ path: /.*/, method: 'POST' }).reply(200, { code: 40001, msg: 'quota exhausted for key app-key-1' })
    const err = await failure(client.createTask('tm_video_scoring', {}))
    expect(err).toMatchObject({ code: 'BFF_ERR_UPSTREAM_REJECTED', statusCode: 502, upstreamCode: 40001, sent: true })
    expect(err.message).not.toContain('quota')
  })

  it('maps rejected credentials to 502, never 401', async () => {
    agent.get(BASE).intercept({ path: /.*/, method: 'POST' }).reply(401, { code: 401, msg: 'Authentication failed' })
    const err = await failure(client.createTask('tm_video_scoring', {}))
    expect(err).toMatchObject({ code: 'BFF_ERR_UPSTREAM_AUTH', statusCode: 502 })
  })

  it('maps a non-JSON or malformed answer to 502 BAD_RESPONSE', async () => {
    agent.get(BASE).intercept({ path: /.*/, method: 'POST' }).reply(200, '<html>oops</html>')
    expect(await failure(client.createTask('x', {}))).toMatchObject({ code: 'BFF_ERR_UPSTREAM_BAD_RESPONSE', statusCode: 502 })
    agent.get(BASE).intercept({ path: /.*/, method: 'POST' }).reply(200, { code: 0, data: {} })
    expect(await failure(client.createTask('x', {}))).toMatchObject({ code: 'BFF_ERR_UPSTREAM_BAD_RESPONSE' })
  })

  it('maps HTTP 503 to 503 and other HTTP errors to 502', async () => {
    agent.get(BASE).intercept({ path: /.*/, method: 'POST' }).reply(503, 'busy')
    expect(await failure(client.createTask('x', {}))).toMatchObject({ code: 'BFF_ERR_UPSTREAM_UNAVAILABLE', statusCode: 503 })
    agent.get(BASE).intercept({ path: /.*/, method: 'POST' }).reply(500, { code: 500, msg: 'boom' })
    expect(await failure(client.createTask('x', {}))).toMatchObject({ code: 'BFF_ERR_UPSTREAM_REJECTED', statusCode: 502, upstreamStatus: 500 })
  })

  it('maps a refused connection to 503 and marks it as never sent', async () => {
    agent.get(BASE).intercept({ path: /.*/, method: 'POST' }).replyWithError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))
    expect(await failure(client.createTask('x', {}))).toMatchObject({ code: 'BFF_ERR_UPSTREAM_UNAVAILABLE', statusCode: 503, sent: false })
  })

  it('maps a slow answer to 504', async () => {
    agent.get(BASE).intercept({ path: /.*/, method: 'POST' }).reply(200, { code: 0, data: { task_id: 'late' } }).delay(1000)
    expect(await failure(client.createTask('x', {}))).toMatchObject({ code: 'BFF_ERR_UPSTREAM_TIMEOUT', statusCode: 504, sent: true })
  })
})

describe('getTask', () => {
  it('posts the task id to the result endpoint and parses the JSON-string result', async () => {
    agent.get(BASE).intercept({ path: '/v1/open/pub/task', method: 'POST', body: JSON.stringify({ task_id: 'up-1' }) })
      .reply(200, { code: 0, msg: 'ok', data: { status: 3, progress: 100, result: '{"audio_path":["https://cdn/a.mp3"]}' } })
    expect(await client.getTask('up-1')).toEqual({ status: 3, progress: 100, result: { audio_path: ['https://cdn/a.mp3'] }, reason: undefined })
  })

  it('reads a failed task even when code != 0 comes with data', async () => {
    agent.get(BASE).intercept({ path: '/v1/open/pub/task', method: 'POST' })
      .reply(200, { code: 1, msg: 'failed', data: { status: 4, progress: 30, reason: 'content policy' } })
    expect(await client.getTask('up-2')).toMatchObject({ status: 4, reason: 'content policy' })
  })

  it('rejects a result string that is not a JSON object', async () => {
    agent.get(BASE).intercept({ path: '/v1/open/pub/task', method: 'POST' })
      .reply(200, { code: 0, data: { status: 3, result: 'not json' } })
    expect(await failure(client.getTask('up-3'))).toMatchObject({ code: 'BFF_ERR_UPSTREAM_BAD_RESPONSE' })
  })
})
