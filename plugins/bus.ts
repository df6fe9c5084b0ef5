/**
 * Decorates `fastify.eventBus`, the live fan-out of task events (in-process by default); closes
 * only what it created.
 */
import fp from 'fastify-plugin'
import { createMemoryEventBus } from '../src/bus/memory.ts'
import type { EventBus } from '../src/bus/types.ts'

declare module 'fastify' {
  interface FastifyInstance { eventBus: EventBus }
}

export default fp<{ bus?: EventBus | undefined }>(async function bus (fastify, opts) {
  const bus = opts.bus ?? createMemoryEventBus((err) => fastify.log.error({ err }, 'event listener failed'))
  fastify.decorate('eventBus', bus)
  if (!opts.bus) fastify.addHook('onClose', async () => { await bus.close() })
}, { name: 'bus' })
