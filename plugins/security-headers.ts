/**
 * Security headers on every response (nosniff, frame and referrer policies, ...) through
 * @fastify/helmet. The Content-Security-Policy is left to the pages that serve HTML: Swagger UI
 * sends its own (staticCSP), and a JSON or event-stream answer has nothing to protect with one.
 * @see https://github.com/fastify/fastify-helmet
 */
import helmet from '@fastify/helmet'
import fp from 'fastify-plugin'

export default fp(async function securityHeaders (fastify) {
  await fastify.register(helmet, {
    contentSecurityPolicy: false,
    // Frontends on other origins embed result files and read the API through CORS.
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    strictTransportSecurity: { maxAge: 15_552_000, includeSubDomains: false }
  })
}, { name: 'security-headers' })
