/**
 * CORS for web frontends: only the origins in CORS_ORIGINS (none by default), for the API and the
 * SSE routes alike, with preflight for Authorization, Idempotency-Key, Last-Event-ID and the tus
 * upload headers.
 * Depends on config.
 * @see https://github.com/fastify/fastify-cors
 */
import cors from '@fastify/cors'
import fp from 'fastify-plugin'

// tus clients in browsers (tus-js-client, Uppy) need these for /v1/uploads.
const TUS_METHODS = ['HEAD', 'PATCH', 'DELETE']
const TUS_REQUEST_HEADERS = ['tus-resumable', 'upload-length', 'upload-offset', 'upload-metadata', 'upload-defer-length', 'upload-concat', 'x-http-method-override', 'x-requested-with']
const TUS_RESPONSE_HEADERS = ['location', 'tus-resumable', 'tus-version', 'tus-extension', 'tus-max-size', 'upload-offset', 'upload-length', 'upload-metadata', 'upload-expires']

export default fp(async function corsPlugin (fastify) {
  const allowed = new Set(fastify.config.corsOrigins)
  await fastify.register(cors, {
    // An unknown origin gets no CORS headers at all, so the browser blocks the read.
    origin: (origin, done) => done(null, origin !== undefined && allowed.has(origin)),
    methods: ['GET', 'POST', 'OPTIONS', ...TUS_METHODS],
    allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'last-event-id', ...TUS_REQUEST_HEADERS],
    exposedHeaders: ['retry-after', 'x-request-id', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', ...TUS_RESPONSE_HEADERS],
    credentials: false,
    maxAge: 600
  })
}, { name: 'cors', dependencies: ['config'] })
