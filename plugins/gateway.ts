/**
 * Decorates `fastify.gateway`, the ToMoviee client. Builds an undici-backed client from config
 * unless one is injected (tests, the simulator in demo mode); closes only what it built.
 * Depends on config.
 */
import fp from 'fastify-plugin'
import { createGatewayClient } from '../src/gateway/client.ts'
import type { GatewayClient } from '../src/gateway/types.ts'

declare module 'fastify' {
  interface FastifyInstance { gateway: GatewayClient }
}

export default fp<{ client?: GatewayClient | undefined }>(async function gateway (fastify, opts) {
  const client = opts.client ?? createGatewayClient(fastify.config.gateway)
  fastify.decorate('gateway', client)
  if (!opts.client) fastify.addHook('onClose', async () => { await client.close() })
}, { name: 'gateway', dependencies: ['config'] })
