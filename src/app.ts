import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod'
import authPlugin from '../plugins/auth.ts'
import busPlugin from '../plugins/bus.ts'
import configPlugin from '../plugins/config.ts'
import connectionsPlugin from '../plugins/connections.ts'
import corsPlugin from '../plugins/cors.ts'
import custodyPlugin from '../plugins/custody.ts'
import deadlinesPlugin from '../plugins/deadlines.ts'
import eventTailsPlugin from '../plugins/event-tails.ts'
import errorHandlerPlugin from '../plugins/error-handler.ts'
import mediaPlugin from '../plugins/media.ts'
import mediaSweepPlugin from '../plugins/media-sweep.ts'
import progressPlugin from '../plugins/progress.ts'
import retentionPlugin from '../plugins/retention.ts'
import metricsPlugin from '../plugins/metrics.ts'
import providersPlugin from '../plugins/providers.ts'
import rateLimitPlugin from '../plugins/rate-limit.ts'
import redisPlugin from '../plugins/redis.ts'
import pollBudgetsPlugin from '../plugins/poll-budgets.ts'
import reconcilerPlugin from '../plugins/reconciler.ts'
import shutdownConnectionsPlugin from '../plugins/shutdown-connections.ts'
import securityHeadersPlugin from '../plugins/security-headers.ts'
import ssePlugin from '../plugins/sse.ts'
import storePlugin from '../plugins/store.ts'
import streamCapsPlugin from '../plugins/stream-caps.ts'
import swaggerPlugin from '../plugins/swagger.ts'
import tasksPlugin from '../plugins/tasks.ts'
import webhookDeliveriesPlugin from '../plugins/webhook-deliveries.ts'
import healthRoutes from '../routes/health.ts'
import mediaRoutes from '../routes/media.ts'
import v1Routes from '../routes/v1/index.ts'
import webRoutes from '../routes/web.ts'
import webhookRoutes from '../routes/webhooks.ts'
import type { EventBus } from './bus/types.ts'
import type { Config } from './config.ts'
import { loggerOptions, requestIdOf } from './logger.ts'
import { trustProxyOption } from './security/connections.ts'
import type { MediaStore } from './media/types.ts'
import { createTomovieeProvider } from './providers/tomoviee/provider.ts'
import type { GatewayClient } from './providers/tomoviee/types.ts'
import type { Provider } from './providers/types.ts'
import type { EventLog, TaskStore } from './store/types.ts'

export interface BuildAppOptions {
  config: Config
  /** false silences logging (tests); a pino instance lets a test read what is logged. */
  logger?: boolean | FastifyBaseLogger
  /** A ToMoviee client to use instead of one built from config (tests); shorthand for `providers.tomoviee`. */
  gateway?: GatewayClient
  /** Providers to use instead of the ones built from config, by id (tests). Not closed by the app. */
  providers?: Readonly<Record<string, Provider>>
  store?: TaskStore & EventLog
  bus?: EventBus
  media?: MediaStore
  /** The crash tests' seam (src/bus/kill-seam.ts): server.ts passes it only under NODE_ENV=test. */
  killAtPublish?: number | undefined
}

/** The composition root: a configured, un-listened app. Never reads process.env, never listens. */
export async function buildApp (opts: BuildAppOptions): Promise<FastifyInstance> {
  const { config } = opts
  const app = Fastify({
    ...(typeof opts.logger === 'object' ? { loggerInstance: opts.logger } : { logger: opts.logger === false ? false : loggerOptions(config) }),
    trustProxy: trustProxyOption(config.trustProxy),
    requestIdHeader: false,
    genReqId: requestIdOf,
    bodyLimit: 65_536,
    // Node's deadlines: headers, then the whole request (a trickled body gets 408), then idle keep-alive.
    http: { headersTimeout: config.edge.headersTimeoutMs, connectionsCheckingInterval: Math.min(1_000, config.edge.headersTimeoutMs) },
    requestTimeout: config.edge.bodyTimeoutMs,
    keepAliveTimeout: config.edge.keepAliveTimeoutMs
  })
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)

  await app.register(configPlugin, { config })
  await app.register(connectionsPlugin)
  await app.register(shutdownConnectionsPlugin)
  await app.register(deadlinesPlugin)
  await app.register(redisPlugin)
  await app.register(securityHeadersPlugin)
  await app.register(corsPlugin)
  await app.register(swaggerPlugin)
  await app.register(rateLimitPlugin)
  await app.register(errorHandlerPlugin)
  await app.register(authPlugin)
  await app.register(ssePlugin)
  await app.register(streamCapsPlugin)
  await app.register(metricsPlugin)
  await app.register(providersPlugin, { injected: { ...opts.providers, ...(opts.gateway ? { tomoviee: createTomovieeProvider(opts.gateway) } : {}) } })
  await app.register(storePlugin, { store: opts.store })
  await app.register(busPlugin, { bus: opts.bus, killAtPublish: opts.killAtPublish })
  await app.register(mediaPlugin, { media: opts.media })
  await app.register(mediaSweepPlugin)
  await app.register(eventTailsPlugin)
  await app.register(custodyPlugin)
  await app.register(tasksPlugin)
  await app.register(pollBudgetsPlugin)
  await app.register(reconcilerPlugin)
  await app.register(progressPlugin)
  await app.register(retentionPlugin)
  await app.register(webhookDeliveriesPlugin)

  await app.register(healthRoutes)
  await app.register(v1Routes, { prefix: '/v1' })
  await app.register(webhookRoutes, { prefix: '/webhooks' })
  await app.register(mediaRoutes)
  await app.register(webRoutes)
  return app
}
