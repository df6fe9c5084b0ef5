import { createRemoteJWKSet, errors, jwtVerify, type JWTHeaderParameters, type JWTPayload, type JWTVerifyGetKey } from 'jose'
import { BffError, type ErrorCode } from '../errors.ts'
import type { Principal } from './api-keys.ts'

/** Longest JWT `sub` accepted. */
export const SUBJECT_MAX_LENGTH = 200
// An owner is a namespaced subject (jwtOwner), so it may be longer than a subject.
export const OWNER_MAX_LENGTH = 600
export const MIN_SECRET_LENGTH = 32
// Far above any real token; refusing early keeps attackers from making us parse megabytes.
export const MAX_JWT_LENGTH = 8192
// Reserved for stream tokens (stream-tokens.ts). Client JWTs carrying either are refused, so a
// stream token never authenticates an API call, even when both share a secret.
export const STREAM_TOKEN_AUDIENCE = 'tomoviee-bff:sse'
export const STREAM_TOKEN_TYP = 'sse+jwt'

export interface JwtOptions {
  /** Shared secret for HS256 tokens, at least 32 characters. */
  hsSecret?: string
  /** JWKS endpoint for RS256 and ES256 tokens: https, or http on a loopback host. */
  jwksUrl?: string
  /** Replaces the remote JWKS, e.g. with jose `createLocalJWKSet` in tests. */
  keySet?: JWTVerifyGetKey
  issuer?: string
  audience?: string
  clockToleranceSec: number
}

const SEGMENTS = /^[\w-]+\.[\w-]+\.[\w-]+$/

/**
 * Whether a bearer credential should go to the JWT verifier rather than the API-key one: three
 * base64url segments whose first decodes to a JSON header with an `alg`, so that an API key that
 * merely contains two dots is not mistaken for a JWT.
 */
export function looksLikeJwt (token: string): boolean {
  if (token.length > MAX_JWT_LENGTH || !SEGMENTS.test(token)) return false
  try {
    const header: unknown = JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8'))
    return typeof header === 'object' && header !== null && typeof (header as { alg?: unknown }).alg === 'string'
  } catch {
    return false
  }
}

// A lone UTF-16 surrogate cannot be stored as UTF-8 (SQLite mangles it, Redis refuses it), and
// control characters have no business in an identity that reaches logs and key names.
const ILL_FORMED = /[\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/** `value` when it is a non-empty, well-formed string of at most `max` characters, else null. */
function identity (value: unknown, max: number): string | null {
  return typeof value === 'string' && value.length > 0 && value.length <= max && !ILL_FORMED.test(value) ? value : null
}

/** The owner a stream token's `sub` names (an owner as issued), or null when it is not a usable one. */
export function ownerFrom (sub: unknown): string | null {
  return identity(sub, OWNER_MAX_LENGTH)
}

/**
 * The owner of a client JWT: `jwt:<issuer, URI-encoded>:<sub>`. API-key owners never contain a
 * colon (API_KEYS splits on the first one), so a JWT can never act as an API-key owner, nor a
 * token of one issuer as a subject of another. Null for a missing, ill-formed or over-long `sub`.
 */
export function jwtOwner (iss: unknown, sub: unknown): string | null {
  const subject = identity(sub, SUBJECT_MAX_LENGTH)
  const issuer = iss === undefined ? '' : identity(iss, SUBJECT_MAX_LENGTH)
  return subject === null || issuer === null ? null : `jwt:${encodeURIComponent(issuer)}:${subject}`
}

/** The HMAC key for a shared secret; throws (without echoing it) when the secret is too short. */
export function hmacKey (secret: string, what: string): Uint8Array {
  if (secret.length < MIN_SECRET_LENGTH) throw new Error(`${what} must be at least ${MIN_SECRET_LENGTH} characters`)
  return new TextEncoder().encode(secret)
}

/**
 * Maps a verification failure to a client-safe error. Only a short reason is kept as the cause:
 * jose errors carry the token's claims, which do not belong in logs.
 */
export function toAuthError (err: unknown, expired: ErrorCode, invalid: ErrorCode): BffError {
  if (err instanceof BffError) return err
  const reason = err instanceof errors.JOSEError ? err.code : err instanceof Error ? err.name : 'unknown'
  // The key server being down says nothing about the token: answer 503 so clients retry instead of logging out.
  if (err instanceof errors.JWKSTimeout || !(err instanceof errors.JOSEError)) {
    return new BffError('BFF_ERR_NOT_READY', 'The token signing keys could not be fetched; retry shortly', { cause: reason })
  }
  return new BffError(err instanceof errors.JWTExpired ? expired : invalid, undefined, { cause: reason })
}

function isStreamTyp (typ: string | undefined): boolean {
  return typ?.toLowerCase().replace(/^application\//, '') === STREAM_TOKEN_TYP
}

function remoteKeySet (jwksUrl: string): JWTVerifyGetKey {
  const url = new URL(jwksUrl)
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)
  // Keys fetched in clear text could be swapped in transit, and with them anyone's identity.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) throw new Error('The JWKS URL must use https')
  return createRemoteJWKSet(url, { timeoutDuration: 5_000, cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 })
}

/**
 * Verifies client JWTs: HS256 with the shared secret, RS256/ES256 with the JWKS, only what is
 * configured. `exp` and `sub` are required; `iss` and `aud` are checked when configured.
 * Rejects with BFF_ERR_AUTH_EXPIRED or BFF_ERR_AUTH_INVALID.
 */
export function createJwtVerifier (opts: JwtOptions): (token: string) => Promise<Principal> {
  const secret = opts.hsSecret === undefined ? undefined : hmacKey(opts.hsSecret, 'The JWT HS256 secret')
  const keySet = opts.keySet ?? (opts.jwksUrl === undefined ? undefined : remoteKeySet(opts.jwksUrl))
  const algorithms = [...(secret ? ['HS256'] : []), ...(keySet ? ['RS256', 'ES256'] : [])]
  if (algorithms.length === 0) throw new Error('JWT verification needs an HS256 secret or a JWKS')
  if (!Number.isFinite(opts.clockToleranceSec) || opts.clockToleranceSec < 0) throw new Error('The JWT clock tolerance must be a non-negative number')
  if (opts.issuer === '' || opts.audience === '') throw new Error('The JWT issuer and audience must not be empty when set')

  // The key follows the header's alg: an HS256 token is only ever checked against the shared
  // secret, never against JWKS key material (the HS/RS confusion attack).
  const getKey: JWTVerifyGetKey = async (header, token) => {
    if (header.alg === 'HS256' && secret) return secret
    if ((header.alg === 'RS256' || header.alg === 'ES256') && keySet) return await keySet(header, token)
    throw new errors.JOSEAlgNotAllowed('"alg" (Algorithm) Header Parameter value not allowed')
  }
  const options = {
    algorithms,
    clockTolerance: opts.clockToleranceSec,
    requiredClaims: ['exp', 'sub'],
    ...(opts.issuer === undefined ? {} : { issuer: opts.issuer }),
    ...(opts.audience === undefined ? {} : { audience: opts.audience })
  }

  return async (token) => {
    if (token.length > MAX_JWT_LENGTH) throw new BffError('BFF_ERR_AUTH_INVALID', undefined, { cause: 'too long' })
    let payload: JWTPayload
    let header: JWTHeaderParameters
    try {
      ({ payload, protectedHeader: header } = await jwtVerify(token, getKey, options))
    } catch (err) {
      throw toAuthError(err, 'BFF_ERR_AUTH_EXPIRED', 'BFF_ERR_AUTH_INVALID')
    }
    const audiences = typeof payload.aud === 'string' ? [payload.aud] : payload.aud ?? []
    if (isStreamTyp(header.typ) || audiences.includes(STREAM_TOKEN_AUDIENCE)) {
      throw new BffError('BFF_ERR_AUTH_INVALID', undefined, { cause: 'stream token' })
    }
    const owner = jwtOwner(payload.iss, payload.sub)
    if (owner === null) throw new BffError('BFF_ERR_AUTH_INVALID', undefined, { cause: 'bad sub' })
    return { owner }
  }
}
