/**
 * Decorates `fastify.providers`: every provider of the registry, measured (metrics) and behind
 * its own circuit breaker, for the task service, the webhooks, the reconciler and readiness.
 * Builds each from config unless one is injected (tests); closes only what it built.
 * Depends on config, metrics.
 */
import fp from 'fastify-plugin'
import { createProviderSet, type ProviderSet } from '../src/providers/set.ts'
import type { Provider } from '../src/providers/types.ts'

declare module 'fastify' {
  interface FastifyInstance { providers: ProviderSet }
}

export default fp<{ injected?: Readonly<Record<string, Provider>> | undefined }>(async function providers (fastify, opts) {
  const set = createProviderSet(fastify.config, fastify.metrics.observer, opts.injected)
  fastify.decorate('providers', set)
  fastify.addHook('onClose', async () => { await set.close() })
}, { name: 'providers', dependencies: ['config', 'metrics'] })
