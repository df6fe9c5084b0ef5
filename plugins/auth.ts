/**
 * Decorates `fastify.authenticate` (an onRequest hook for protected scopes), `fastify.streamTokens`
 * and `request.principal`. Clients send `Authorization: Bearer <API key or JWT>`; routes with
 * `config: { streamToken: true }` (the SSE routes) also accept `?token=<stream token>`, because a
 * browser's EventSource cannot send headers. Failed attempts count against a per-IP limit.
 * Depends on config and rate-limit.
 */
import { randomBytes } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { createApiKeyVerifier, type Principal } from '../src/auth/api-keys.ts'
import { createJwtVerifier, looksLikeJwt } from '../src/auth/jwt.ts'
import { createStreamTokens, type StreamTokens } from '../src/auth/stream-tokens.ts'
import { BffError, isBffError } from '../src/errors.ts'

declare module 'fastify' {
  interface FastifyInstance {
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
    streamTokens: StreamTokens
  }
  interface FastifyRequest { principal: Principal | null }
  interface FastifyContextConfig { streamToken?: boolean }
}

export default fp(async function auth (fastify) {
  const { apiKeys, jwt, streamTokens: streamConfig } = fastify.config
  const verifyKey = createApiKeyVerifier(apiKeys)
  const verifyJwt = jwt.secret !== undefined || jwt.jwksUrl !== undefined
    ? createJwtVerifier({ hsSecret: jwt.secret, jwksUrl: jwt.jwksUrl, issuer: jwt.issuer, audience: jwt.audience, clockToleranceSec: jwt.clockToleranceSec })
    : undefined
  if (!streamConfig.secret) fastify.log.warn('STREAM_TOKEN_SECRET is not set: stream tokens are signed with a per-process key and only work on this instance')
  const streamTokens = createStreamTokens({ secret: streamConfig.secret ?? randomBytes(32).toString('base64url'), ttlSec: streamConfig.ttlSec })

  async function identify (request: FastifyRequest): Promise<Principal> {
    const header = request.headers.authorization
    if (header === undefined) {
      const token = (request.query as { token?: unknown } | undefined)?.token
      if (request.routeOptions.config.streamToken && typeof token === 'string' && token !== '') {
        return streamTokens.verify(token, { taskId: (request.params as { id?: string } | undefined)?.id })
      }
      throw new BffError('BFF_ERR_AUTH_MISSING')
    }
    const credential = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1]
    if (!credential) throw new BffError('BFF_ERR_AUTH_MISSING')
    if (verifyJwt && looksLikeJwt(credential)) return verifyJwt(credential)
    const principal = verifyKey(credential)
    if (!principal) throw new BffError('BFF_ERR_AUTH_INVALID')
    return principal
  }

  fastify.decorateRequest('principal', null)
  fastify.decorate('streamTokens', streamTokens)
  fastify.decorate('authenticate', async function (request: FastifyRequest, reply: FastifyReply) {
    try {
      request.principal = await identify(request)
    } catch (err) {
      if (isBffError(err) && err.statusCode === 401) await fastify.limits.authFailure(request, reply)
      throw err
    }
    // The request logger is already this request's own child: binding the owner on it saves a
    // second child per request. Fastify's no-op logger (logging off) has no setBindings.
    const log = request.log as typeof request.log & { setBindings?: (bindings: Record<string, unknown>) => void }
    if (log.setBindings) log.setBindings({ owner: request.principal.owner })
    else request.log = request.log.child({ owner: request.principal.owner })
  })
}, { name: 'auth', dependencies: ['config', 'rate-limit'] })

/** The principal of an authenticated request; routes in protected scopes only. */
export function principalOf (request: FastifyRequest): Principal {
  if (!request.principal) throw new BffError('BFF_ERR_AUTH_MISSING')
  return request.principal
}
