/**
 * Registers @fastify/rate-limit for every route (per client IP for now) and answers 429 with
 * `Retry-After` and BFF_ERR_RATE_LIMITED. Routes opt out with `config: { rateLimit: false }`.
 * Depends on config.
 * @see https://github.com/fastify/fastify-rate-limit
 */
import rateLimit from '@fastify/rate-limit'
import fp from 'fastify-plugin'
import { BffError } from '../src/errors.ts'

export default fp(async function rateLimitPlugin (fastify) {
  await fastify.register(rateLimit, {
    global: true,
    max: fastify.config.rateLimit.max,
    timeWindow: fastify.config.rateLimit.windowMs,
    errorResponseBuilder: (_request, context) =>
      new BffError('BFF_ERR_RATE_LIMITED', `Too many requests, retry in ${Math.ceil(context.ttl / 1000)} s`)
  })
}, { name: 'rate-limit', dependencies: ['config'] })
