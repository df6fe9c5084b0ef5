/**
 * Decorates `fastify.taskStore` and `fastify.eventLog`: Redis in distributed mode (REDIS_URL),
 * else SQLite (WAL) at DATABASE_PATH, unless a store is injected; closes only what it opened.
 * Depends on config, redis.
 */
import fp from 'fastify-plugin'
import { createRedisStore } from '../src/store/redis.ts'
import { createSqliteStore } from '../src/store/sqlite.ts'
import type { EventLog, TaskStore } from '../src/store/types.ts'
import { guardUnavailable } from '../src/store/unavailable.ts'
import { isRedisUnavailable } from './redis.ts'

declare module 'fastify' {
  interface FastifyInstance { taskStore: TaskStore, eventLog: EventLog }
}

export default fp<{ store?: (TaskStore & EventLog) | undefined }>(async function store (fastify, opts) {
  const { config, redis } = fastify
  const store = opts.store ?? (redis && config.redis
    ? guardUnavailable(createRedisStore(redis.commands, {
      prefix: config.redis.prefix,
      maxEventsPerOwner: config.redis.maxEventsPerOwner,
      maxEventsPerTask: config.redis.maxEventsPerTask,
      retentionMs: config.retention.retentionMs
    }), isRedisUnavailable)
    : createSqliteStore(config.databasePath))
  fastify.decorate('taskStore', store)
  fastify.decorate('eventLog', store)
  if (!opts.store) fastify.addHook('onClose', async () => { await store.close() })
}, { name: 'store', dependencies: ['config', 'redis'] })
