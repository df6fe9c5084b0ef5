/**
 * Decorates `fastify.gateway`, the ToMoviee client, measured (metrics) and behind a circuit
 * breaker, and `fastify.gatewayState()` for readiness. Builds an undici-backed client from config
 * unless one is injected (tests, demo mode); closes only what it built. Depends on config, metrics.
 */
import fp from 'fastify-plugin'
import { withCircuitBreaker, type BreakerState } from '../src/gateway/breaker.ts'
import { createGatewayClient } from '../src/gateway/client.ts'
import type { GatewayClient } from '../src/gateway/types.ts'
import { instrumentGateway } from '../src/observability/instrument-gateway.ts'

declare module 'fastify' {
  interface FastifyInstance {
    gateway: GatewayClient
    gatewayState: () => BreakerState
  }
}

export default fp<{ client?: GatewayClient | undefined }>(async function gateway (fastify, opts) {
  const base = opts.client ?? createGatewayClient(fastify.config.gateway)
  // Measured inside the breaker, so the latency figures are of real calls, not of fast failures.
  const guarded = withCircuitBreaker(instrumentGateway(base, fastify.metrics.observer), fastify.config.circuit)
  fastify.decorate('gateway', guarded)
  fastify.decorate('gatewayState', guarded.state)
  if (!opts.client) fastify.addHook('onClose', async () => { await base.close() })
}, { name: 'gateway', dependencies: ['config', 'metrics'] })
