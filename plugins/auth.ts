/**
 * Decorates `fastify.authenticate` (an onRequest hook for protected scopes) and
 * `request.principal`. Clients send `Authorization: Bearer <key>`. Depends on config.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { createApiKeyVerifier, type Principal } from '../src/auth/api-keys.ts'
import { BffError } from '../src/errors.ts'

declare module 'fastify' {
  interface FastifyInstance { authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void> }
  interface FastifyRequest { principal: Principal | null }
}

export default fp(async function auth (fastify) {
  const verify = createApiKeyVerifier(fastify.config.apiKeys)
  fastify.decorateRequest('principal', null)
  fastify.decorate('authenticate', async function (request: FastifyRequest, reply: FastifyReply) {
    const header = request.headers.authorization
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null
    if (!match?.[1]) throw new BffError('BFF_ERR_AUTH_MISSING')
    const principal = verify(match[1])
    if (!principal) {
      await fastify.limits.authFailure(request, reply)
      throw new BffError('BFF_ERR_AUTH_INVALID')
    }
    request.principal = principal
    request.log = request.log.child({ owner: principal.owner })
  })
}, { name: 'auth', dependencies: ['config', 'rate-limit'] })

/** The principal of an authenticated request; routes in protected scopes only. */
export function principalOf (request: FastifyRequest): Principal {
  if (!request.principal) throw new BffError('BFF_ERR_AUTH_MISSING')
  return request.principal
}
