/**
 * CORS for web frontends: only the origins in CORS_ORIGINS (none by default), for the API and the
 * SSE routes alike, with preflight for Authorization, Idempotency-Key and Last-Event-ID.
 * Depends on config.
 * @see https://github.com/fastify/fastify-cors
 */
import cors from '@fastify/cors'
import fp from 'fastify-plugin'

export default fp(async function corsPlugin (fastify) {
  const allowed = new Set(fastify.config.corsOrigins)
  await fastify.register(cors, {
    // An unknown origin gets no CORS headers at all, so the browser blocks the read.
    origin: (origin, done) => done(null, origin !== undefined && allowed.has(origin)),
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'last-event-id'],
    exposedHeaders: ['retry-after', 'x-request-id', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'],
    credentials: false,
    maxAge: 600
  })
}, { name: 'cors', dependencies: ['config'] })
