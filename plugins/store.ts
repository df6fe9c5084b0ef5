/**
 * Decorates `fastify.taskStore` and `fastify.eventLog`: SQLite (WAL) at DATABASE_PATH unless a
 * store is injected; closes only what it opened. Depends on config.
 */
import fp from 'fastify-plugin'
import { createSqliteStore } from '../src/store/sqlite.ts'
import type { EventLog, TaskStore } from '../src/store/types.ts'

declare module 'fastify' {
  interface FastifyInstance { taskStore: TaskStore, eventLog: EventLog }
}

export default fp<{ store?: (TaskStore & EventLog) | undefined }>(async function store (fastify, opts) {
  const store = opts.store ?? createSqliteStore(fastify.config.databasePath)
  fastify.decorate('taskStore', store)
  fastify.decorate('eventLog', store)
  if (!opts.store) fastify.addHook('onClose', async () => { await store.close() })
}, { name: 'store', dependencies: ['config'] })
