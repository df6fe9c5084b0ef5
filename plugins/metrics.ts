/**
 * Decorates `fastify.metrics` (this app's Prometheus registry and the Observer that feeds it) and
 * serves `GET /metrics` in the Prometheus text format, behind `Authorization: Bearer <METRICS_TOKEN>`
 * when that is set; without it only in demo mode (with real credentials the route does not exist). Depends on config, sse (open-stream gauge) and rate-limit (failed tokens count).
 * @see https://github.com/siimon/prom-client
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { BffError } from '../src/errors.ts'
import { PACKAGE } from '../src/meta.ts'
import { createMetrics, type Metrics } from '../src/observability/metrics.ts'

declare module 'fastify' {
  interface FastifyInstance { metrics: Metrics }
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest()

export default fp(async function metrics (fastify) {
  const metrics = createMetrics({ build: { version: PACKAGE.version, commit: fastify.config.commit, node: process.version } })
  metrics.setOpenStreams(() => fastify.openSseCount())
  fastify.decorate('metrics', metrics)

  fastify.addHook('onResponse', async (request, reply) => {
    // The pattern (/v1/tasks/:id), never the URL; requests no route matched share one label.
    const route = request.routeOptions.url ?? 'unmatched'
    metrics.http.request(route, request.method, reply.statusCode, reply.elapsedTime / 1000)
    if (request.errorCode !== undefined) metrics.http.refusal(request.errorCode)
  })

  const token = fastify.config.metricsToken
  // With real credentials an open /metrics would tell anyone about traffic and failures: no token, no route.
  if (token === undefined && !fastify.config.demo) {
    fastify.log.info('GET /metrics is not served: set METRICS_TOKEN to scrape it')
    return
  }
  // Digests have a fixed length, so the comparison reveals neither the token's length nor a prefix.
  const expected = token === undefined ? undefined : digest(token)

  function checkToken (request: FastifyRequest): void {
    if (expected === undefined) return
    const header = request.headers.authorization
    if (header === undefined) throw new BffError('BFF_ERR_AUTH_MISSING')
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1]
    if (!presented) throw new BffError('BFF_ERR_AUTH_MISSING')
    if (!timingSafeEqual(digest(presented), expected)) throw new BffError('BFF_ERR_AUTH_INVALID')
  }

  // Not rate limited: scrapers poll on a fixed interval, often from one address for many targets.
  fastify.get('/metrics', { schema: { hide: true }, config: { rateLimit: false } }, async (request, reply) => {
    try {
      checkToken(request)
    } catch (err) {
      // The route itself is unlimited, so wrong tokens are throttled like any failed authentication.
      await fastify.limits.authFailure(request, reply)
      throw err
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics())
  })
}, { name: 'metrics', dependencies: ['config', 'sse', 'rate-limit'] })
