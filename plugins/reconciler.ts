/**
 * Runs the reconciler (overdue callbacks are polled, polling-only providers' tasks are polled
 * within their provider's budget, tasks past their deadline time out) from ready to close;
 * decorates `fastify.reconciler` so tests can run a pass on demand. It changes tasks only through
 * the task service. In distributed mode a per-task lease in Redis makes one instance poll a task
 * at a time. Depends on config, redis, providers, tasks and poll-budgets.
 */
import fp from 'fastify-plugin'
import { createReconciler, type Reconciler } from '../src/tasks/reconciler.ts'
import { pollBudgetOf } from './poll-budgets.ts'
import { reconcileLeaseMs } from './tasks.ts'

declare module 'fastify' {
  interface FastifyInstance { reconciler: Reconciler }
}

export default fp(async function reconciler (fastify) {
  const { config } = fastify
  const loop = createReconciler({
    tasks: fastify.tasks.reconciliation,
    providers: fastify.providers,
    log: fastify.log.child({ component: 'reconciler' }),
    now: () => new Date(),
    schedule: config.schedule,
    intervalMs: config.reconcile.intervalMs,
    concurrency: config.reconcile.concurrency,
    leases: fastify.backend.leases,
    leaseMs: reconcileLeaseMs(config),
    pollBudgets: { budgetOf: (provider) => pollBudgetOf(config, provider), rateBudget: fastify.pollBudgets }
  })
  fastify.decorate('reconciler', loop)
  if (config.reconcile.enabled) fastify.addHook('onReady', async () => { loop.start() })
  // Stopped before the store closes; an in-flight pass finishes first.
  fastify.addHook('preClose', async () => { await loop.stop() })
}, { name: 'reconciler', dependencies: ['config', 'redis', 'providers', 'tasks', 'poll-budgets'] })
