/**
 * Decorates `fastify.eventTails`: one reader of each owner's event log per instance, shared by
 * that owner's SSE streams, woken by the bus and caught up every SSE_CATCH_UP_MS; stopped on
 * close. And `fastify.replayReads`: the resumes' reads of the log, shared by streams resuming
 * from the same id, which the tails keep from serving pages older than what they delivered.
 * Depends on config, store, bus.
 */
import fp from 'fastify-plugin'
import { createSharedReads, type SharedReads } from '../src/sse/shared-reads.ts'
import { createEventTails, type EventTails } from '../src/sse/tail.ts'

declare module 'fastify' {
  interface FastifyInstance { eventTails: EventTails, replayReads: SharedReads }
}

export default fp(async function eventTails (fastify) {
  const reads = createSharedReads(fastify.eventLog)
  const tails = createEventTails({
    log: fastify.eventLog,
    bus: fastify.eventBus,
    catchUpMs: fastify.config.sse.catchUpMs,
    // Warn, not error: a read fails while Redis is away and the next one catches up.
    onError: (err) => fastify.log.warn({ err }, 'event log read failed; retrying'),
    onMove: reads.moved
  })
  fastify.decorate('eventTails', tails)
  fastify.decorate('replayReads', reads)
  fastify.addHook('onClose', async () => { tails.close() })
}, { name: 'event-tails', dependencies: ['config', 'store', 'bus'] })
