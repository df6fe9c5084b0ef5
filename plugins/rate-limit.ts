/**
 * Rate limits with @fastify/rate-limit: every route is limited per client IP (routes opt out with
 * `config: { rateLimit: false }`), and `fastify.limits` adds the per-owner limits that protected
 * routes stack on top (all requests, task creation, stream tokens) and the per-IP limit on failed
 * authentications. Over a limit: 429, `Retry-After`, BFF_ERR_RATE_LIMITED. Counters are in
 * memory, or in Redis in distributed mode. Depends on config, redis.
 * @see https://github.com/fastify/fastify-rate-limit
 */
import rateLimit from '@fastify/rate-limit'
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { BffError } from '../src/errors.ts'
import { redisRateLimitStore } from '../src/store/redis-rate-limit.ts'

type Limit = (request: FastifyRequest, reply: FastifyReply) => Promise<void>

declare module 'fastify' {
  interface FastifyInstance {
    limits: { owner: Limit, create: Limit, streamToken: Limit, authFailure: Limit }
  }
}

const rateLimited = (ttlMs: number): BffError =>
  new BffError('BFF_ERR_RATE_LIMITED', `Too many requests, retry in ${Math.max(1, Math.ceil(ttlMs / 1000))} s`)

export default fp(async function rateLimitPlugin (fastify) {
  const { rateLimit: cfg } = fastify.config
  const { backend } = fastify
  await fastify.register(rateLimit, {
    global: true,
    // In distributed mode the counters live in Redis so limits hold across instances; if Redis is
    // unreachable, requests pass (the store's own errors already answer 503 where it matters).
    ...(backend.kind === 'distributed' ? { store: redisRateLimitStore(backend.redis.commands, backend.keys.rateLimit), skipOnError: true } : {}),
    max: cfg.max,
    timeWindow: cfg.windowMs,
    errorResponseBuilder: (_request, context) => rateLimited(context.ttl)
  })

  // createRateLimit counts without the plugin's one-limiter-per-request guard, so limits stack.
  function limit (name: string, max: number, key: (request: FastifyRequest) => string): Limit {
    const check = fastify.createRateLimit({ max, timeWindow: cfg.windowMs, keyGenerator: (request) => `${name}:${key(request)}` })
    return async (request, reply) => {
      const result = await check(request)
      if (result.isAllowed || !result.isExceeded) return
      reply.header('retry-after', String(result.ttlInSeconds))
      request.log.warn({ limit: name }, 'rate limit exceeded')
      throw rateLimited(result.ttl)
    }
  }
  const owner = (request: FastifyRequest): string => request.principal?.owner ?? `ip:${request.ip}`

  fastify.decorate('limits', {
    owner: limit('owner', cfg.ownerMax, owner),
    create: limit('create', cfg.createMax, owner),
    streamToken: limit('stream-token', cfg.streamTokenMax, owner),
    authFailure: limit('auth-failure', cfg.authFailuresMax, (request) => request.ip)
  })
}, { name: 'rate-limit', dependencies: ['config', 'redis'] })
