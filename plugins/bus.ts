/**
 * Decorates `fastify.eventBus`, the live fan-out of task events: Redis pub/sub in distributed mode
 * (a callback on one instance reaches streams on every instance), else in-process; closes only
 * what it created. Depends on config, redis.
 */
import fp from 'fastify-plugin'
import { withKillAtPublish } from '../src/bus/kill-seam.ts'
import { createMemoryEventBus } from '../src/bus/memory.ts'
import { createRedisEventBus } from '../src/bus/redis.ts'
import type { EventBus } from '../src/bus/types.ts'

declare module 'fastify' {
  interface FastifyInstance { eventBus: EventBus }
}

export default fp<{ bus?: EventBus | undefined, killAtPublish?: number | undefined }>(async function bus (fastify, opts) {
  const onError = (err: unknown): void => fastify.log.error({ err }, 'event listener failed')
  const { backend } = fastify
  const bus = opts.bus ?? (backend.kind === 'distributed'
    ? createRedisEventBus({ publisher: backend.redis.commands, subscriber: backend.redis.subscriber, prefix: backend.prefix, onError })
    : createMemoryEventBus(onError))
  fastify.decorate('eventBus', opts.killAtPublish ? withKillAtPublish(bus, opts.killAtPublish) : bus)
  if (!opts.bus) fastify.addHook('onClose', async () => { await bus.close() })
}, { name: 'bus', dependencies: ['config', 'redis'] })
