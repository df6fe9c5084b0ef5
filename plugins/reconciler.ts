/**
 * Runs the reconciler (overdue callbacks are polled, tasks past their deadline time out) from
 * ready to close; decorates `fastify.reconciler` so tests can run a pass on demand.
 * In distributed mode a per-task lease in Redis makes one instance poll a task at a time.
 * Depends on config, redis, providers, store and tasks.
 */
import fp from 'fastify-plugin'
import { createRedisLeases, LOCAL_LEASES } from '../src/coordination/lease.ts'
import { createReconciler, type Reconciler } from '../src/tasks/reconciler.ts'
import { reconcileLeaseMs } from './tasks.ts'

declare module 'fastify' {
  interface FastifyInstance { reconciler: Reconciler }
}

export default fp(async function reconciler (fastify) {
  const { config } = fastify
  const loop = createReconciler({
    store: fastify.taskStore,
    providers: fastify.providers,
    transitions: fastify.tasks.transitions,
    log: fastify.log.child({ component: 'reconciler' }),
    now: () => new Date(),
    schedule: config.schedule,
    intervalMs: config.reconcile.intervalMs,
    concurrency: config.reconcile.concurrency,
    idempotencyPurge: () => fastify.taskStore.purgeIdempotency(Date.now()),
    leases: fastify.redis ? createRedisLeases(fastify.redis.commands, config.redis!.prefix) : LOCAL_LEASES,
    leaseMs: reconcileLeaseMs(config),
    resender: fastify.tasks.resender
  })
  fastify.decorate('reconciler', loop)
  if (config.reconcile.enabled) fastify.addHook('onReady', async () => { loop.start() })
  // Stopped before the store closes; an in-flight pass finishes first.
  fastify.addHook('preClose', async () => { await loop.stop() })
}, { name: 'reconciler', dependencies: ['config', 'redis', 'providers', 'store', 'tasks'] })
