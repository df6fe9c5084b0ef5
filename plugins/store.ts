/**
 * Decorates `fastify.taskStore` and `fastify.eventLog`: Redis in distributed mode (REDIS_URL),
 * else SQLite (WAL) at DATABASE_PATH, unless a store is injected; closes only what it opened.
 * Also `fastify.deliveryStore` (the webhook outbox, null when the store has none) and
 * `fastify.outboxRouting` (which messages each event becomes, see src/webhooks).
 * Depends on config, redis.
 */
import fp from 'fastify-plugin'
import { createRedisStore } from '../src/store/redis.ts'
import { createSqliteStore } from '../src/store/sqlite.ts'
import { isDeliveryStore, type DeliveryStore, type EventLog, type OutboxRouting, type TaskStore } from '../src/store/types.ts'
import { guardUnavailable } from '../src/store/unavailable.ts'
import { outboxRouting } from '../src/webhooks/routing.ts'
import { isRedisUnavailable } from './redis.ts'

declare module 'fastify' {
  interface FastifyInstance { taskStore: TaskStore, eventLog: EventLog, deliveryStore: DeliveryStore | null, outboxRouting: OutboxRouting | undefined }
}

export default fp<{ store?: (TaskStore & EventLog) | undefined }>(async function store (fastify, opts) {
  const { config, backend } = fastify
  const outbox = opts.store ? undefined : outboxRouting(config.webhooks)
  const store = opts.store ?? (backend.kind === 'distributed' && config.redis
    ? guardUnavailable(createRedisStore(backend.redis.commands, {
      prefix: backend.prefix,
      maxEventsPerOwner: config.redis.maxEventsPerOwner,
      maxEventsPerTask: config.redis.maxEventsPerTask,
      retentionMs: config.retention.retentionMs,
      outbox,
      deliveryRetentionMs: config.webhooks.retentionMs
    }), isRedisUnavailable)
    : createSqliteStore(config.databasePath, { outbox }))
  fastify.decorate('taskStore', store)
  fastify.decorate('eventLog', store)
  fastify.decorate('deliveryStore', isDeliveryStore(store) ? store : null)
  fastify.decorate('outboxRouting', outbox)
  if (!opts.store) fastify.addHook('onClose', async () => { await store.close() })
}, { name: 'store', dependencies: ['config', 'redis'] })
