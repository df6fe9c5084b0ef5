import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod'
import authPlugin from '../plugins/auth.ts'
import busPlugin from '../plugins/bus.ts'
import configPlugin from '../plugins/config.ts'
import connectionsPlugin from '../plugins/connections.ts'
import corsPlugin from '../plugins/cors.ts'
import eventTailsPlugin from '../plugins/event-tails.ts'
import errorHandlerPlugin from '../plugins/error-handler.ts'
import gatewayPlugin from '../plugins/gateway.ts'
import metricsPlugin from '../plugins/metrics.ts'
import rateLimitPlugin from '../plugins/rate-limit.ts'
import redisPlugin from '../plugins/redis.ts'
import reconcilerPlugin from '../plugins/reconciler.ts'
import securityHeadersPlugin from '../plugins/security-headers.ts'
import ssePlugin from '../plugins/sse.ts'
import storePlugin from '../plugins/store.ts'
import swaggerPlugin from '../plugins/swagger.ts'
import tasksPlugin from '../plugins/tasks.ts'
import healthRoutes from '../routes/health.ts'
import v1Routes from '../routes/v1/index.ts'
import webRoutes from '../routes/web.ts'
import webhookRoutes from '../routes/webhooks.ts'
import type { EventBus } from './bus/types.ts'
import type { Config } from './config.ts'
import type { GatewayClient } from './gateway/types.ts'
import { loggerOptions } from './logger.ts'
import type { EventLog, TaskStore } from './store/types.ts'

export interface BuildAppOptions {
  config: Config
  /** false silences logging (tests); a pino instance lets a test read what is logged. */
  logger?: boolean | FastifyBaseLogger
  gateway?: GatewayClient
  store?: TaskStore & EventLog
  bus?: EventBus
}

/** The composition root: a configured, un-listened app. Never reads process.env, never listens. */
export async function buildApp (opts: BuildAppOptions): Promise<FastifyInstance> {
  const { config } = opts
  const app = Fastify({
    ...(typeof opts.logger === 'object' ? { loggerInstance: opts.logger } : { logger: opts.logger === false ? false : loggerOptions(config) }),
    trustProxy: config.trustProxy,
    requestIdHeader: 'x-request-id',
    bodyLimit: 65_536
  })
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)

  await app.register(configPlugin, { config })
  await app.register(connectionsPlugin)
  await app.register(redisPlugin)
  await app.register(securityHeadersPlugin)
  await app.register(corsPlugin)
  await app.register(swaggerPlugin)
  await app.register(rateLimitPlugin)
  await app.register(errorHandlerPlugin)
  await app.register(authPlugin)
  await app.register(ssePlugin)
  await app.register(metricsPlugin)
  await app.register(gatewayPlugin, { client: opts.gateway })
  await app.register(storePlugin, { store: opts.store })
  await app.register(busPlugin, { bus: opts.bus })
  await app.register(eventTailsPlugin)
  await app.register(tasksPlugin)
  await app.register(reconcilerPlugin)

  await app.register(healthRoutes)
  await app.register(v1Routes, { prefix: '/v1' })
  await app.register(webhookRoutes, { prefix: '/webhooks' })
  await app.register(webRoutes)
  return app
}
