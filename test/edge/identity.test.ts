import { SignJWT } from 'jose'
import { afterEach, describe, expect, it } from 'vitest'
import { ALICE, createTask, startStack, type Stack } from '../helper.ts'
import { dropPrefix, REDIS_URL, redisAvailable, testPrefix } from '../redis-helper.ts'

const JWT_SECRET = 'a-jwt-secret-that-is-long-enough-0001'
const redisUp = await redisAvailable()
let stack: Stack | undefined
let prefix: string | undefined
afterEach(async () => {
  await stack?.close()
  stack = undefined
  if (prefix) await dropPrefix(prefix)
  prefix = undefined
})

const jwt = (sub: string): Promise<string> =>
  new SignJWT({ sub }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').setIssuedAt().sign(new TextEncoder().encode(JWT_SECRET))

async function call (s: Stack, path: string, token: string, init: RequestInit = {}): Promise<{ status: number, body: { code?: string, items?: { id: string }[] } }> {
  const res = await fetch(`${s.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } })
  const body = res.headers.get('content-type')?.includes('json') ? await res.json() as { code?: string } : {}
  if (res.headers.get('content-type')?.includes('event-stream')) await res.body?.cancel()
  return { status: res.status, body }
}

describe.each([['SQLite', false], ['Redis', true]] as const)('identity namespaces (%s)', (_name, redis) => {
  it.skipIf(redis && !redisUp)('a JWT whose sub names an API-key owner sees none of its tasks, and ill-formed subjects get 401', async () => {
    prefix = redis ? testPrefix() : undefined
    stack = await startStack({ env: { JWT_SECRET, ...(redis ? { REDIS_URL, REDIS_PREFIX: prefix! } : {}) } })
    const s = stack
    const task = await createTask(s, { prompt: 'alice by key #hang' })
    const listBefore = await call(s, '/v1/tasks', ALICE.key)
    const impostor = await jwt('alice')

    expect(await call(s, `/v1/tasks/${task.id}`, impostor)).toMatchObject({ status: 404, body: { code: 'BFF_ERR_TASK_NOT_FOUND' } })
    expect((await call(s, '/v1/tasks', impostor)).body.items).toEqual([])
    expect((await call(s, `/v1/tasks/${task.id}/events`, impostor)).status).toBe(404)
    const minted = await call(s, '/v1/stream-tokens', impostor, { method: 'POST', body: JSON.stringify({ taskId: task.id }) })
    expect(minted.status).toBe(404)

    for (const sub of ['alice\ud800', '\udc00', 'a'.repeat(201), 'tab\there']) {
      const token = await jwt(sub)
      expect(await call(s, '/v1/tasks', token), JSON.stringify(sub)).toMatchObject({ status: 401, body: { code: 'BFF_ERR_AUTH_INVALID' } })
      expect((await call(s, '/v1/tasks/text-to-speech', token, { method: 'POST', body: '{"text":"x"}' })).status).toBe(401)
    }
    // The JWT user works under its own name, and nothing of alice's changed.
    const own = await call(s, '/v1/tasks/text-to-speech', impostor, { method: 'POST', body: '{"text":"mine"}' })
    expect(own.status).toBe(202)
    expect((await call(s, '/v1/tasks', impostor)).body.items).toHaveLength(1)
    expect(await call(s, '/v1/tasks', ALICE.key)).toEqual(listBefore)
  })
})
