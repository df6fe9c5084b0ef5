import { randomBytes } from 'node:crypto'
import { jwtVerify, SignJWT, type JWTPayload } from 'jose'
import { BffError } from '../errors.ts'
import type { Principal } from './api-keys.ts'
import { hmacKey, MAX_JWT_LENGTH, ownerFrom, STREAM_TOKEN_AUDIENCE, STREAM_TOKEN_TYP, toAuthError } from './jwt.ts'

export const STREAM_TOKEN_ISSUER = 'tomoviee-bff'
// Tokens travel in URLs (browser history, proxy logs), so they must not live long.
export const STREAM_TOKEN_MAX_TTL_SEC = 3600
// Issuer and verifier are BFF instances, whose clocks should agree closely.
const CLOCK_TOLERANCE_SEC = 2

export interface StreamTokenOptions {
  /** HS256 secret, at least 32 characters. */
  secret: string
  /** Lifetime of issued tokens, 1 to 3600 seconds. */
  ttlSec: number
  /** Current time in epoch milliseconds; tests inject it. */
  now?: () => number
}

export interface StreamScope {
  /** The task the stream is for; undefined for the stream of all the owner's tasks. */
  taskId?: string
}

export interface StreamTokens {
  /** Issues a token for `owner`, limited to one task when `taskId` is given. */
  issue (owner: string, taskId?: string): Promise<{ token: string, expiresAt: string }>
  /**
   * Resolves to the token's principal, or rejects with BFF_ERR_STREAM_TOKEN_EXPIRED or
   * BFF_ERR_STREAM_TOKEN_INVALID. A task-scoped token is valid only for the stream of that task,
   * so never for the all-tasks stream; an unscoped token is valid for any stream, the caller still
   * checks that the task belongs to the owner.
   */
  verify (token: string, scope: StreamScope): Promise<Principal>
}

/**
 * Short-lived credentials for browser EventSource, which cannot send headers: HS256 compact JWTs
 * with their own `typ` and `aud`, so they and client JWTs are never accepted for one another.
 */
export function createStreamTokens (opts: StreamTokenOptions): StreamTokens {
  const key = hmacKey(opts.secret, 'The stream token secret')
  const { ttlSec } = opts
  if (!Number.isInteger(ttlSec) || ttlSec < 1 || ttlSec > STREAM_TOKEN_MAX_TTL_SEC) {
    throw new Error(`The stream token lifetime must be 1 to ${STREAM_TOKEN_MAX_TTL_SEC} seconds`)
  }
  const now = opts.now ?? Date.now
  const invalid = (cause: string): BffError => new BffError('BFF_ERR_STREAM_TOKEN_INVALID', undefined, { cause })

  return {
    async issue (owner, taskId) {
      // Callers pass an authenticated principal and a known task; anything else is our bug.
      if (ownerFrom(owner) === null) throw new Error('A stream token needs a valid owner')
      if (taskId === '') throw new Error('A stream token task id must not be empty')
      const iat = Math.floor(now() / 1000)
      const exp = iat + ttlSec
      const token = await new SignJWT(taskId === undefined ? {} : { tid: taskId })
        .setProtectedHeader({ alg: 'HS256', typ: STREAM_TOKEN_TYP })
        .setIssuer(STREAM_TOKEN_ISSUER)
        .setAudience(STREAM_TOKEN_AUDIENCE)
        .setSubject(owner)
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .setJti(randomBytes(16).toString('base64url'))
        .sign(key)
      return { token, expiresAt: new Date(exp * 1000).toISOString() }
    },

    async verify (token, scope) {
      if (token.length > MAX_JWT_LENGTH) throw invalid('too long')
      let payload: JWTPayload
      try {
        ({ payload } = await jwtVerify(token, key, {
          algorithms: ['HS256'],
          typ: STREAM_TOKEN_TYP,
          issuer: STREAM_TOKEN_ISSUER,
          audience: STREAM_TOKEN_AUDIENCE,
          requiredClaims: ['exp', 'iat', 'sub', 'jti'],
          // Also bounds tokens issued under a longer, since lowered, lifetime.
          maxTokenAge: ttlSec,
          clockTolerance: CLOCK_TOLERANCE_SEC,
          currentDate: new Date(now())
        }))
      } catch (err) {
        throw toAuthError(err, 'BFF_ERR_STREAM_TOKEN_EXPIRED', 'BFF_ERR_STREAM_TOKEN_INVALID')
      }
      const owner = ownerFrom(payload.sub)
      if (owner === null) throw invalid('bad sub')
      const { tid } = payload
      if (tid !== undefined && (typeof tid !== 'string' || tid !== scope.taskId)) throw invalid('task scope')
      return { owner }
    }
  }
}
