import { createHash } from 'node:crypto'
import { SignJWT } from 'jose'
import { afterEach, describe, expect, it } from 'vitest'
import { createStreamTokens } from '../../src/auth/stream-tokens.ts'
import { ALICE, BOB, bearer, createTask, getTask, startStack, type Stack } from '../helper.ts'
import { openSse } from '../sse-client.ts'

const JWT_SECRET = 'a-jwt-secret-that-is-long-enough-0001'
const STREAM_SECRET = 'a-stream-secret-that-is-long-enough-02'
const CAROL_KEY = 'carol-key-hashed-0003'

let stack: Stack | undefined
afterEach(async () => { await stack?.close(); stack = undefined })

async function start (env: Record<string, string> = {}): Promise<Stack> {
  stack = await startStack({
    env: {
      API_KEYS: `${ALICE.owner}:${ALICE.key},${BOB.owner}:${BOB.key},carol:sha256:${createHash('sha256').update(CAROL_KEY).digest('hex')}`,
      JWT_SECRET,
      JWT_AUDIENCE: 'tomoviee-bff',
      JWT_ISSUER: 'https://auth.example.com',
      STREAM_TOKEN_SECRET: STREAM_SECRET,
      ...env
    }
  })
  return stack
}

const jwt = (claims: Record<string, unknown>, opts: { exp?: number | string, secret?: string, aud?: string } = {}) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuer('https://auth.example.com').setAudience(opts.aud ?? 'tomoviee-bff')
    .setExpirationTime(opts.exp ?? '5m').setIssuedAt().sign(new TextEncoder().encode(opts.secret ?? JWT_SECRET))

async function status (s: Stack, path: string, headers: Record<string, string>): Promise<{ status: number, code?: string }> {
  const res = await fetch(`${s.url}${path}`, { headers })
  const body = res.headers.get('content-type')?.includes('json') ? await res.json() as { code?: string } : {}
  if (res.headers.get('content-type')?.includes('event-stream')) await res.body?.cancel()
  return { status: res.status, ...(body.code ? { code: body.code } : {}) }
}

describe('client authentication', () => {
  it('accepts API keys, hashed API keys and JWTs, each as its own owner', async () => {
    const s = await start()
    const task = await createTask(s, { prompt: 'mine #hang' })
    expect((await getTask(s, task.id)).status).toBe(200)
    // A JWT whose sub names an API-key owner is someone else (issue #12): owners are namespaced.
    const aliceJwt = await jwt({ sub: 'alice' })
    expect(await status(s, `/v1/tasks/${task.id}`, { authorization: `Bearer ${aliceJwt}` })).toEqual({ status: 404, code: 'BFF_ERR_TASK_NOT_FOUND' })
    expect(await status(s, `/v1/tasks/${task.id}`, { authorization: `Bearer ${CAROL_KEY}` })).toEqual({ status: 404, code: 'BFF_ERR_TASK_NOT_FOUND' })
    expect(await status(s, '/v1/tasks', { authorization: `Bearer ${CAROL_KEY}` })).toEqual({ status: 200 })
    expect(await status(s, `/v1/tasks/${task.id}`, { authorization: `Bearer ${await jwt({ sub: 'mallory' })}` })).toEqual({ status: 404, code: 'BFF_ERR_TASK_NOT_FOUND' })
  })

  it.each([
    ['no header', {}, 'BFF_ERR_AUTH_MISSING'],
    ['another scheme', { authorization: `Basic ${Buffer.from('alice:x').toString('base64')}` }, 'BFF_ERR_AUTH_MISSING'],
    ['a wrong key', { authorization: 'Bearer not-a-real-key-123' }, 'BFF_ERR_AUTH_INVALID'],
    ['the hash of a key used as the key', { authorization: `Bearer sha256:${createHash('sha256').update(CAROL_KEY).digest('hex')}` }, 'BFF_ERR_AUTH_INVALID']
  ])('rejects %s with 401', async (_label, headers, code) => {
    const s = await start()
    expect(await status(s, '/v1/tasks', headers as Record<string, string>)).toEqual({ status: 401, code })
  })

  it('rejects expired, wrongly addressed, forged and unsigned JWTs with 401 and a stable code', async () => {
    const s = await start()
    const cases: [string, string][] = [
      [await jwt({ sub: 'alice' }, { exp: Math.floor(Date.now() / 1000) - 120 }), 'BFF_ERR_AUTH_EXPIRED'],
      [await jwt({ sub: 'alice' }, { aud: 'someone-else' }), 'BFF_ERR_AUTH_INVALID'],
      [await jwt({ sub: 'alice' }, { secret: 'another-secret-that-is-long-enough-000' }), 'BFF_ERR_AUTH_INVALID'],
      [await jwt({}), 'BFF_ERR_AUTH_INVALID'],
      [`${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'alice', exp: 4e9, aud: 'tomoviee-bff', iss: 'https://auth.example.com' })).toString('base64url')}.`, 'BFF_ERR_AUTH_INVALID']
    ]
    const good = await jwt({ sub: 'alice' })
    const [h, , sig] = good.split('.')
    cases.push([`${h}.${Buffer.from(JSON.stringify({ sub: 'bob', exp: 4e9, aud: 'tomoviee-bff', iss: 'https://auth.example.com' })).toString('base64url')}.${sig}`, 'BFF_ERR_AUTH_INVALID'])
    for (const [token, code] of cases) {
      expect(await status(s, '/v1/tasks', { authorization: `Bearer ${token}` })).toEqual({ status: 401, code })
    }
  })

  it('answers repeated failures from one address with 429 and Retry-After', async () => {
    const s = await start({ RATE_LIMIT_AUTH_FAILURES_MAX: '3' })
    for (let i = 0; i < 3; i++) expect((await status(s, '/v1/tasks', { authorization: 'Bearer wrong-key-1234' })).status).toBe(401)
    const res = await fetch(`${s.url}/v1/tasks`, { headers: { authorization: 'Bearer wrong-key-1234' } })
    expect(res.status).toBe(429)
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(((await res.json()) as { code: string }).code).toBe('BFF_ERR_RATE_LIMITED')
  })
})

describe('stream tokens', () => {
  async function mint (s: Stack, body: Record<string, unknown>, who = ALICE): Promise<{ status: number, token?: string, code?: string }> {
    const res = await fetch(`${s.url}/v1/stream-tokens`, { method: 'POST', headers: { ...bearer(who), 'content-type': 'application/json' }, body: JSON.stringify(body) })
    const json = await res.json() as { token?: string, code?: string, expiresAt?: string }
    return { status: res.status, ...json }
  }

  it('open the SSE routes from a browser-like client, scoped to the owner and optionally one task', async () => {
    const s = await start()
    const task = await createTask(s, { prompt: 'streamed' })
    const scoped = await mint(s, { taskId: task.id })
    expect(scoped.status).toBe(201)
    const sse = await openSse(`${s.url}/v1/tasks/${task.id}/events?token=${scoped.token}`)
    await sse.ended
    expect(sse.events().at(-1)!.event).toBe('task.succeeded')

    const general = await mint(s, {})
    const all = await openSse(`${s.url}/v1/events?token=${general.token}`)
    expect(all.status).toBe(200)
    all.close()
  })

  it('are refused for another task, on the all-tasks stream when scoped, and on any non-SSE route', async () => {
    const s = await start()
    const a = await createTask(s, { prompt: 'a #hang' })
    const b = await createTask(s, { prompt: 'b #hang' })
    const { token } = await mint(s, { taskId: a.id })
    expect(await status(s, `/v1/tasks/${b.id}/events?token=${token}`, {})).toEqual({ status: 401, code: 'BFF_ERR_STREAM_TOKEN_INVALID' })
    expect(await status(s, `/v1/events?token=${token}`, {})).toEqual({ status: 401, code: 'BFF_ERR_STREAM_TOKEN_INVALID' })
    expect(await status(s, `/v1/tasks/${a.id}?token=${token}`, {})).toEqual({ status: 401, code: 'BFF_ERR_AUTH_MISSING' })
    expect(await status(s, `/v1/tasks?token=${token}`, {})).toEqual({ status: 401, code: 'BFF_ERR_AUTH_MISSING' })
    expect(await status(s, '/v1/tasks', { authorization: `Bearer ${token}` })).toEqual({ status: 401, code: 'BFF_ERR_AUTH_INVALID' })
  })

  it('cannot be minted for another owner\'s task, and an unscoped one does not open it', async () => {
    const s = await start()
    const task = await createTask(s, { prompt: 'private #hang' })
    expect(await mint(s, { taskId: task.id }, BOB)).toMatchObject({ status: 404, code: 'BFF_ERR_TASK_NOT_FOUND' })
    const bobs = await mint(s, {}, BOB)
    expect(await status(s, `/v1/tasks/${task.id}/events?token=${bobs.token}`, {})).toEqual({ status: 404, code: 'BFF_ERR_TASK_NOT_FOUND' })
  })

  it('expire with a code a client can recognise', async () => {
    const s = await start()
    const task = await createTask(s, { prompt: 'x #hang' })
    const past = createStreamTokens({ secret: STREAM_SECRET, ttlSec: 60, now: () => Date.now() - 10 * 60_000 })
    const { token } = await past.issue('alice', task.id)
    expect(await status(s, `/v1/tasks/${task.id}/events?token=${token}`, {})).toEqual({ status: 401, code: 'BFF_ERR_STREAM_TOKEN_EXPIRED' })
  })

  it('are rate limited per owner', async () => {
    const s = await start({ RATE_LIMIT_STREAM_TOKEN_MAX: '2' })
    expect((await mint(s, {})).status).toBe(201)
    expect((await mint(s, {})).status).toBe(201)
    expect(await mint(s, {})).toMatchObject({ status: 429, code: 'BFF_ERR_RATE_LIMITED' })
    expect((await mint(s, {}, BOB)).status).toBe(201)
  })
})
