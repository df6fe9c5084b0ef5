import { createLocalJWKSet, exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { createJwtVerifier, looksLikeJwt, type JwtOptions } from '../../src/auth/jwt.ts'
import { createStreamTokens } from '../../src/auth/stream-tokens.ts'
import { BffError } from '../../src/errors.ts'

const SECRET = 'hs256-test-secret-0123456789-abcdef'
const secretKey = new TextEncoder().encode(SECRET)
const nowSec = (): number => Math.floor(Date.now() / 1000)
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')

function sign (claims: JWTPayload, key: CryptoKey | Uint8Array = secretKey, header: { alg: string, kid?: string, typ?: string } = { alg: 'HS256' }): Promise<string> {
  return new SignJWT(claims).setProtectedHeader(header).sign(key)
}
const valid = (extra: JWTPayload = {}): JWTPayload => ({ sub: 'alice', exp: nowSec() + 300, ...extra })

async function rejection (promise: Promise<unknown>): Promise<BffError> {
  const err = await promise.then(() => null, (e: unknown) => e)
  expect(err).toBeInstanceOf(BffError)
  return err as BffError
}
async function expectCode (promise: Promise<unknown>, code: string): Promise<void> {
  const err = await rejection(promise)
  expect(err.code).toBe(code)
  expect(err.statusCode).toBe(code === 'BFF_ERR_NOT_READY' ? 503 : 401)
}

let rsa: { privateKey: CryptoKey, publicKey: CryptoKey }
let ec: { privateKey: CryptoKey, publicKey: CryptoKey }
let publicJwks: { keys: JWK[] }
beforeAll(async () => {
  rsa = await generateKeyPair('RS256', { extractable: true })
  ec = await generateKeyPair('ES256', { extractable: true })
  publicJwks = {
    keys: [
      { ...await exportJWK(rsa.publicKey), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
      { ...await exportJWK(ec.publicKey), kid: 'ec-1', alg: 'ES256', use: 'sig' }
    ]
  }
})
const verifier = (opts: Partial<JwtOptions> = {}) => createJwtVerifier({ hsSecret: SECRET, clockToleranceSec: 30, ...opts })
const withJwks = (opts: Partial<JwtOptions> = {}) => verifier({ keySet: createLocalJWKSet(publicJwks), ...opts })

describe('createJwtVerifier with HS256', () => {
  it('returns the subject as owner', async () => {
    expect(await verifier()(await sign(valid()))).toEqual({ owner: 'jwt::alice' })
  })

  it('reports a token expired beyond the tolerance as expired, without echoing token or secret', async () => {
    const token = await sign(valid({ exp: nowSec() - 120 }))
    const err = await rejection(verifier()(token))
    expect(err.code).toBe('BFF_ERR_AUTH_EXPIRED')
    expect(err.message).toBe('The token has expired')
    const shown = JSON.stringify({ message: err.message, cause: err.cause, body: err.toBody() })
    expect(shown).not.toContain(token.split('.')[2])
    expect(shown).not.toContain(SECRET)
  })

  it('accepts a token expired within the tolerance', async () => {
    expect(await verifier()(await sign(valid({ exp: nowSec() - 10 })))).toEqual({ owner: 'jwt::alice' })
    await expectCode(verifier({ clockToleranceSec: 0 })(await sign(valid({ exp: nowSec() - 10 }))), 'BFF_ERR_AUTH_EXPIRED')
  })

  it('refuses a token not yet valid', async () => {
    await expectCode(verifier()(await sign(valid({ nbf: nowSec() + 600 }))), 'BFF_ERR_AUTH_INVALID')
  })

  it('checks issuer and audience when configured', async () => {
    const strict = verifier({ issuer: 'https://idp.example', audience: 'tomoviee-bff' })
    expect(await strict(await sign(valid({ iss: 'https://idp.example', aud: ['other', 'tomoviee-bff'] })))).toEqual({ owner: 'jwt:https%3A%2F%2Fidp.example:alice' })
    await expectCode(strict(await sign(valid({ iss: 'https://idp.example', aud: 'other' }))), 'BFF_ERR_AUTH_INVALID')
    await expectCode(strict(await sign(valid({ iss: 'https://evil.example', aud: 'tomoviee-bff' }))), 'BFF_ERR_AUTH_INVALID')
    await expectCode(strict(await sign(valid({ iss: 'https://idp.example' }))), 'BFF_ERR_AUTH_INVALID')
    await expectCode(strict(await sign(valid({ aud: 'tomoviee-bff' }))), 'BFF_ERR_AUTH_INVALID')
  })

  it('requires exp', async () => {
    await expectCode(verifier()(await sign({ sub: 'alice' })), 'BFF_ERR_AUTH_INVALID')
  })

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['not a string', 42],
    ['longer than 200 characters', 'a'.repeat(201)],
    ['a lone high surrogate', 'alice\ud800'],
    ['a lone low surrogate', '\udc00bob'],
    ['a control character', 'alice\nadmin']
  ])('refuses a sub that is %s', async (_what, sub) => {
    await expectCode(verifier()(await sign({ exp: nowSec() + 300, ...(sub === undefined ? {} : { sub }) } as JWTPayload)), 'BFF_ERR_AUTH_INVALID')
  })

  it('accepts a sub of exactly 200 characters', async () => {
    expect(await verifier()(await sign(valid({ sub: 'a'.repeat(200) })))).toEqual({ owner: `jwt::${'a'.repeat(200)}` })
  })

  it('refuses alg none, with or without a signature', async () => {
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(valid())}`
    await expectCode(withJwks()(`${unsigned}.`), 'BFF_ERR_AUTH_INVALID')
    await expectCode(withJwks()(`${unsigned}.c2lnbmF0dXJl`), 'BFF_ERR_AUTH_INVALID')
  })

  it('refuses HMAC algorithms other than HS256, even with the right secret', async () => {
    await expectCode(verifier()(await sign(valid(), secretKey, { alg: 'HS512' })), 'BFF_ERR_AUTH_INVALID')
  })

  it('refuses a wrong secret and a tampered payload', async () => {
    await expectCode(verifier()(await sign(valid(), new TextEncoder().encode('another-secret-of-32-characters!!'))), 'BFF_ERR_AUTH_INVALID')
    const [header, , signature] = (await sign(valid())).split('.')
    await expectCode(verifier()(`${header}.${b64(valid({ sub: 'mallory' }))}.${signature}`), 'BFF_ERR_AUTH_INVALID')
  })

  it('refuses malformed tokens', async () => {
    for (const token of ['', 'garbage', 'a.b.c', `${b64({ alg: 'HS256' })}.not-json.sig`, 'x'.repeat(9000)]) {
      await expectCode(verifier()(token), 'BFF_ERR_AUTH_INVALID')
    }
  })

  it('refuses RS256 and ES256 tokens when no JWKS is configured', async () => {
    await expectCode(verifier()(await sign(valid(), rsa.privateKey, { alg: 'RS256', kid: 'rsa-1' })), 'BFF_ERR_AUTH_INVALID')
  })
})

describe('createJwtVerifier with a JWKS', () => {
  it('accepts RS256 and ES256 tokens signed by a listed key', async () => {
    expect(await withJwks()(await sign(valid(), rsa.privateKey, { alg: 'RS256', kid: 'rsa-1' }))).toEqual({ owner: 'jwt::alice' })
    expect(await withJwks()(await sign(valid({ sub: 'bob' }), ec.privateKey, { alg: 'ES256', kid: 'ec-1' }))).toEqual({ owner: 'jwt::bob' })
    expect(await withJwks({ hsSecret: undefined })(await sign(valid(), ec.privateKey, { alg: 'ES256' }))).toEqual({ owner: 'jwt::alice' })
  })

  it('still accepts HS256 tokens with the shared secret alongside the JWKS', async () => {
    expect(await withJwks()(await sign(valid()))).toEqual({ owner: 'jwt::alice' })
  })

  it('refuses HS256 tokens when only a JWKS is configured', async () => {
    await expectCode(withJwks({ hsSecret: undefined })(await sign(valid())), 'BFF_ERR_AUTH_INVALID')
  })

  it('reports an expired RS256 token as expired', async () => {
    await expectCode(withJwks()(await sign(valid({ exp: nowSec() - 120 }), rsa.privateKey, { alg: 'RS256', kid: 'rsa-1' })), 'BFF_ERR_AUTH_EXPIRED')
  })

  it('refuses a token signed by an unknown key, whatever its kid', async () => {
    const stranger = await generateKeyPair('RS256')
    await expectCode(withJwks()(await sign(valid(), stranger.privateKey, { alg: 'RS256', kid: 'rsa-1' })), 'BFF_ERR_AUTH_INVALID')
    await expectCode(withJwks()(await sign(valid(), stranger.privateKey, { alg: 'RS256', kid: 'unknown' })), 'BFF_ERR_AUTH_INVALID')
    await expectCode(withJwks()(await sign(valid(), stranger.privateKey, { alg: 'RS256' })), 'BFF_ERR_AUTH_INVALID')
  })

  it('refuses a tampered RS256 payload', async () => {
    const [header, , signature] = (await sign(valid(), rsa.privateKey, { alg: 'RS256', kid: 'rsa-1' })).split('.')
    await expectCode(withJwks()(`${header}.${b64(valid({ sub: 'mallory' }))}.${signature}`), 'BFF_ERR_AUTH_INVALID')
  })

  it('refuses HS/RS confusion: an HS256 token keyed with the public key', async () => {
    const pem = await exportSPKI(rsa.publicKey)
    const jwk = JSON.stringify(publicJwks.keys[0])
    for (const material of [pem, jwk]) {
      const forged = await sign(valid({ sub: 'mallory' }), new TextEncoder().encode(material), { alg: 'HS256', kid: 'rsa-1' })
      await expectCode(withJwks()(forged), 'BFF_ERR_AUTH_INVALID')
      await expectCode(withJwks({ hsSecret: undefined })(forged), 'BFF_ERR_AUTH_INVALID')
    }
  })

  it('refuses other asymmetric algorithms, even from a listed key', async () => {
    for (const alg of ['RS512', 'PS256', 'ES384']) {
      const pair = await generateKeyPair(alg, { extractable: true })
      const keySet = createLocalJWKSet({ keys: [{ ...await exportJWK(pair.publicKey), kid: 'k' }] })
      await expectCode(verifier({ keySet })(await sign(valid(), pair.privateKey, { alg, kid: 'k' })), 'BFF_ERR_AUTH_INVALID')
    }
  })

  it('answers 503 (retry), not "invalid", when the JWKS cannot be fetched', async () => {
    const unreachable = createJwtVerifier({ jwksUrl: 'http://127.0.0.1:1/jwks.json', clockToleranceSec: 0 })
    await expectCode(unreachable(await sign(valid(), rsa.privateKey, { alg: 'RS256', kid: 'rsa-1' })), 'BFF_ERR_NOT_READY')
  })
})

describe('client JWTs and stream tokens', () => {
  it('refuses a stream token as a client JWT, even with the same secret', async () => {
    const { token } = await createStreamTokens({ secret: SECRET, ttlSec: 60 }).issue('alice')
    await expectCode(verifier()(token), 'BFF_ERR_AUTH_INVALID')
    await expectCode(verifier({ audience: 'tomoviee-bff' })(token), 'BFF_ERR_AUTH_INVALID')
    await expectCode(verifier()(await sign(valid(), secretKey, { alg: 'HS256', typ: 'sse+jwt' })), 'BFF_ERR_AUTH_INVALID')
    await expectCode(verifier()(await sign(valid({ aud: ['x', 'tomoviee-bff:sse'] }))), 'BFF_ERR_AUTH_INVALID')
  })
})

describe('createJwtVerifier configuration', () => {
  it('refuses short secrets without echoing them', () => {
    expect(() => createJwtVerifier({ hsSecret: 'short-secret', clockToleranceSec: 0 })).toThrow(/at least 32 characters/)
    expect(() => createJwtVerifier({ hsSecret: 'short-secret', clockToleranceSec: 0 })).not.toThrow(/short-secret/)
    expect(() => createJwtVerifier({ hsSecret: 'x'.repeat(32), clockToleranceSec: 0 })).not.toThrow()
  })

  it('needs a secret or a JWKS', () => {
    expect(() => createJwtVerifier({ clockToleranceSec: 0 })).toThrow(/secret or a JWKS/)
  })

  it('refuses a JWKS over plain http except on loopback', () => {
    expect(() => createJwtVerifier({ jwksUrl: 'http://idp.example/jwks.json', clockToleranceSec: 0 })).toThrow(/https/)
    expect(() => createJwtVerifier({ jwksUrl: 'https://idp.example/jwks.json', clockToleranceSec: 0 })).not.toThrow()
    expect(() => createJwtVerifier({ jwksUrl: 'http://localhost:8080/jwks.json', clockToleranceSec: 0 })).not.toThrow()
  })

  it('refuses a negative tolerance and empty issuer or audience', () => {
    expect(() => verifier({ clockToleranceSec: -1 })).toThrow()
    expect(() => verifier({ issuer: '' })).toThrow()
    expect(() => verifier({ audience: '' })).toThrow()
  })
})

describe('looksLikeJwt', () => {
  it('recognises compact JWTs', async () => {
    expect(looksLikeJwt(await sign(valid()))).toBe(true)
    expect(looksLikeJwt(await sign(valid(), rsa.privateKey, { alg: 'RS256' }))).toBe(true)
  })

  it('leaves API keys and other strings alone', () => {
    for (const value of ['alice-key-0001', 'sha256:abc', 'a.b.c', 'key.with.dots', `${b64({ typ: 'JWT' })}.e30.sig`, `${b64({ alg: 'none' })}.e30.`, 'a.b', '']) {
      expect(looksLikeJwt(value), value).toBe(false)
    }
  })
})
