/**
 * Runs the task retention sweep from ready to close: finished tasks older than TASK_RETENTION_MS
 * leave the store with their events (one instance at a time in distributed mode, through a Redis
 * lease); `bff_tasks_deleted_total` counts them. Decorates `fastify.retention` so tests can run a
 * pass. Depends on config, redis, metrics and store.
 */
import fp from 'fastify-plugin'
import { Counter } from 'prom-client'
import { createRetention, type Retention } from '../src/tasks/retention.ts'

declare module 'fastify' {
  interface FastifyInstance { retention: Retention }
}

export default fp(async function retention (fastify) {
  const { config } = fastify
  const deleted = new Counter({ name: 'bff_tasks_deleted_total', help: 'Finished tasks deleted by the retention sweep', registers: [fastify.metrics.registry] })
  const log = fastify.log.child({ component: 'retention' })
  const sweep = createRetention({
    store: fastify.taskStore,
    leases: fastify.backend.leases,
    retentionMs: config.retention.retentionMs,
    batch: config.retention.batch,
    intervalMs: config.retention.intervalMs,
    now: Date.now,
    onDeleted: (count) => { deleted.inc(count) },
    onError: (err) => { log.warn({ err }, 'retention sweep failed') }
  })
  fastify.decorate('retention', sweep)
  fastify.addHook('onReady', async () => { sweep.start() })
  // Before the store closes (preClose runs ahead of every onClose).
  fastify.addHook('preClose', async () => { await sweep.stop() })
}, { name: 'retention', dependencies: ['config', 'redis', 'metrics', 'store'] })
