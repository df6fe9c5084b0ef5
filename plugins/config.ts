/**
 * Decorates `fastify.config` with the parsed configuration `buildApp` received.
 * Depends on nothing; everything else reads configuration from here, never from process.env.
 */
import fp from 'fastify-plugin'
import type { Config } from '../src/config.ts'

declare module 'fastify' {
  interface FastifyInstance { config: Config }
}

export default fp<{ config: Config }>(async function config (fastify, opts) {
  fastify.decorate('config', opts.config)
}, { name: 'config' })
