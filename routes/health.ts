import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { BffError, ErrorSchema } from '../src/errors.ts'
import { findProvider } from '../src/providers/registry.ts'

const StatusSchema = z.object({ status: z.string() }).meta({ id: 'HealthStatus' })

const health: FastifyPluginAsyncZod = async (app) => {
  let closing = false
  app.addHook('preClose', async () => { closing = true })

  app.get('/healthz', {
    schema: { operationId: 'liveness', tags: ['health'], summary: 'The process is alive (checks no dependency)', response: { 200: StatusSchema } },
    config: { rateLimit: false }
  }, async () => ({ status: 'ok' }))

  app.get('/readyz', {
    schema: { operationId: 'readiness', tags: ['health'], summary: 'The BFF can serve requests: the store answers and no provider is failing', response: { 200: StatusSchema, 503: ErrorSchema } },
    config: { rateLimit: false }
  }, async (request) => {
    if (closing) throw new BffError('BFF_ERR_NOT_READY', 'The service is shutting down')
    try {
      await app.taskStore.ping()
    } catch (err) {
      request.log.error({ err }, 'store ping failed')
      throw new BffError('BFF_ERR_NOT_READY', 'The task store is not reachable')
    }
    // Each provider has its own breaker: one failing is named, and its capabilities are paused.
    for (const provider of app.providers.all()) {
      const state = provider.state()
      if (state.open) {
        throw new BffError('BFF_ERR_NOT_READY', `The ${findProvider(provider.id)?.title ?? provider.id} is failing (${state.consecutiveFailures} failures in a row); new tasks are paused`, {
          retryAfterSec: Math.max(1, Math.ceil(state.retryAfterMs / 1000))
        })
      }
    }
    return { status: 'ready' }
  })
}

export default health
