/**
 * Decorates `fastify.eventTails`: one reader of each owner's event log per instance, shared by
 * that owner's SSE streams, woken by the bus and caught up every SSE_CATCH_UP_MS; stopped on
 * close. Depends on config, store, bus.
 */
import fp from 'fastify-plugin'
import { createEventTails, type EventTails } from '../src/sse/tail.ts'

declare module 'fastify' {
  interface FastifyInstance { eventTails: EventTails }
}

export default fp(async function eventTails (fastify) {
  const tails = createEventTails({
    log: fastify.eventLog,
    bus: fastify.eventBus,
    catchUpMs: fastify.config.sse.catchUpMs,
    // Warn, not error: a read fails while Redis is away and the next one catches up.
    onError: (err) => fastify.log.warn({ err }, 'event log read failed; retrying')
  })
  fastify.decorate('eventTails', tails)
  fastify.addHook('onClose', async () => { tails.close() })
}, { name: 'event-tails', dependencies: ['config', 'store', 'bus'] })
