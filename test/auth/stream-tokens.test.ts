import { decodeJwt, decodeProtectedHeader, SignJWT, type JWTPayload } from 'jose'
import { describe, expect, it } from 'vitest'
import { createJwtVerifier } from '../../src/auth/jwt.ts'
import { createStreamTokens, type StreamScope } from '../../src/auth/stream-tokens.ts'
import { BffError } from '../../src/errors.ts'

const SECRET = 'stream-token-secret-0123456789-abc'
const T0 = Date.parse('2030-01-01T00:00:00.000Z')

function setup (ttlSec = 60, secret = SECRET) {
  const clock = { ms: T0 }
  const tokens = createStreamTokens({ secret, ttlSec, now: () => clock.ms })
  return { clock, tokens }
}

async function expectCode (promise: Promise<unknown>, code: string): Promise<BffError> {
  const err = await promise.then(() => null, (e: unknown) => e)
  expect(err).toBeInstanceOf(BffError)
  expect((err as BffError).code).toBe(code)
  expect((err as BffError).statusCode).toBe(401)
  return err as BffError
}
const invalid = (tokens: ReturnType<typeof setup>['tokens'], token: string, scope: StreamScope = {}) =>
  expectCode(tokens.verify(token, scope), 'BFF_ERR_STREAM_TOKEN_INVALID')

describe('stream tokens', () => {
  it('round-trip an all-tasks token', async () => {
    const { tokens } = setup()
    const issued = await tokens.issue('alice')
    expect(issued.expiresAt).toBe('2030-01-01T00:01:00.000Z')
    expect(await tokens.verify(issued.token, {})).toEqual({ owner: 'alice' })
  })

  it('carry the claims and header that set them apart from client JWTs', async () => {
    const { tokens } = setup()
    const { token } = await tokens.issue('alice', 'task-1')
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'sse+jwt' })
    const claims = decodeJwt(token)
    expect(claims).toMatchObject({ sub: 'alice', tid: 'task-1', aud: 'tomoviee-bff:sse', iss: 'tomoviee-bff', iat: T0 / 1000, exp: T0 / 1000 + 60 })
    expect(claims.jti).toMatch(/^[\w-]{20,}$/)
    const again = decodeJwt((await tokens.issue('alice', 'task-1')).token)
    expect(again.jti).not.toBe(claims.jti)
  })

  it('limit a task-scoped token to its task', async () => {
    const { tokens } = setup()
    const { token } = await tokens.issue('alice', 'task-A')
    expect(await tokens.verify(token, { taskId: 'task-A' })).toEqual({ owner: 'alice' })
    await invalid(tokens, token, { taskId: 'task-B' })
    await invalid(tokens, token, {})
    await invalid(tokens, token, { taskId: undefined })
  })

  it('let an all-tasks token open the stream of a single task', async () => {
    const { tokens } = setup()
    const { token } = await tokens.issue('alice')
    expect(await tokens.verify(token, { taskId: 'task-A' })).toEqual({ owner: 'alice' })
  })

  it('expire after their lifetime, allowing two seconds of clock skew', async () => {
    const { clock, tokens } = setup()
    const { token } = await tokens.issue('alice')
    clock.ms = T0 + 61_000
    expect(await tokens.verify(token, {})).toEqual({ owner: 'alice' })
    clock.ms = T0 + 63_000
    const err = await expectCode(tokens.verify(token, {}), 'BFF_ERR_STREAM_TOKEN_EXPIRED')
    expect(err.message).toBe('The stream token has expired; request a new one')
  })

  it('refuse tokens issued under a longer lifetime once older than the current one', async () => {
    const long = setup(3600)
    const { token } = await long.tokens.issue('alice')
    const short = setup(60)
    short.clock.ms = T0 + 120_000
    await expectCode(short.tokens.verify(token, {}), 'BFF_ERR_STREAM_TOKEN_EXPIRED')
  })

  it('refuse tokens issued in the future', async () => {
    const { clock, tokens } = setup()
    clock.ms = T0 + 30_000
    const { token } = await tokens.issue('alice')
    clock.ms = T0
    await invalid(tokens, token)
  })

  it('refuse another secret, a tampered payload and garbage', async () => {
    const { tokens } = setup()
    const other = setup(60, 'another-stream-secret-0123456789-xyz')
    await invalid(tokens, (await other.tokens.issue('alice')).token)
    const [header, payload, signature] = (await tokens.issue('alice', 'task-A')).token.split('.')
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as JWTPayload
    const forged = Buffer.from(JSON.stringify({ ...claims, tid: 'task-B' })).toString('base64url')
    await invalid(tokens, `${header}.${forged}.${signature}`, { taskId: 'task-B' })
    for (const garbage of ['', 'garbage', 'a.b.c', 'x'.repeat(9000)]) await invalid(tokens, garbage)
  })

  it('refuse a client JWT signed with the same secret', async () => {
    const { tokens } = setup()
    const key = new TextEncoder().encode(SECRET)
    const claims = { sub: 'alice', iat: T0 / 1000, exp: T0 / 1000 + 60, jti: 'x' }
    await invalid(tokens, await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(key))
    await invalid(tokens, await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuer('tomoviee-bff').setAudience('tomoviee-bff:sse').sign(key))
    await invalid(tokens, await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'sse+jwt' }).setIssuer('tomoviee-bff').setAudience('tomoviee-bff').sign(key))
  })

  it('are not accepted by the client JWT verifier with the same secret', async () => {
    // The real clock, so that the client verifier (which uses it) sees an unexpired token.
    const { token } = await createStreamTokens({ secret: SECRET, ttlSec: 60 }).issue('alice')
    const clientVerify = createJwtVerifier({ hsSecret: SECRET, clockToleranceSec: 5 })
    await expect(clientVerify(token)).rejects.toMatchObject({ code: 'BFF_ERR_AUTH_INVALID' })
  })

  it('refuse bad options and owners', async () => {
    expect(() => createStreamTokens({ secret: 'short', ttlSec: 60 })).toThrow(/at least 32 characters/)
    for (const ttlSec of [0, -1, 1.5, 3601, Number.NaN]) expect(() => createStreamTokens({ secret: SECRET, ttlSec })).toThrow(/lifetime/)
    const { tokens } = setup()
    await expect(tokens.issue('')).rejects.toThrow(/owner/)
    await expect(tokens.issue('a'.repeat(601))).rejects.toThrow(/owner/)
    await expect(tokens.issue('jwt::\ud800')).rejects.toThrow(/owner/)
    await expect(tokens.issue('alice', '')).rejects.toThrow(/task id/)
  })
})
