/**
 * Progress polls for watched running tasks (src/progress): decorates `fastify.progress` with the
 * watch list the SSE routes add their streams to, and a `pass()` tests can run on demand. Polls
 * draw from the provider's poll budget, shared with the reconciler, and in distributed mode a
 * per-task lease makes a task watched on several instances cost one poll per period.
 * Depends on config, redis, providers, tasks and poll-budgets.
 */
import fp from 'fastify-plugin'
import { createPeriodic } from '../src/coordination/periodic.ts'
import { createProgressPoller, type PollPassStats } from '../src/progress/poller.ts'
import { createWatchers, type WatchTarget } from '../src/progress/watchers.ts'

declare module 'fastify' {
  interface FastifyInstance {
    progress: { watch: (target: WatchTarget) => () => void, pass: () => Promise<PollPassStats> }
  }
}

export default fp(async function progress (fastify) {
  const { config } = fastify
  const log = fastify.log.child({ component: 'progress' })
  const watchers = createWatchers()
  const intervalMs = config.progressPoll.intervalMs
  const poller = createProgressPoller({
    watchers,
    tasks: fastify.tasks.progress,
    provider: (id) => fastify.providers.get(id),
    budget: fastify.pollBudgets,
    leases: fastify.backend.leases,
    periodMs: intervalMs || 5_000,
    concurrency: config.progressPoll.concurrency,
    perOwner: Math.min(config.maxActiveTasksPerOwner, 100),
    now: Date.now,
    onError: (err, taskId) => { log.debug({ err, taskId }, 'progress poll failed') }
  })
  fastify.decorate('progress', { watch: watchers.watch, pass: () => poller.pass() })
  if (intervalMs === 0) return
  const loop = createPeriodic(() => poller.pass(), intervalMs, (err) => { log.warn({ err }, 'progress pass failed') })
  fastify.addHook('onReady', async () => { loop.start() })
  fastify.addHook('preClose', async () => { await loop.stop() })
}, { name: 'progress', dependencies: ['config', 'redis', 'providers', 'tasks', 'poll-budgets'] })
