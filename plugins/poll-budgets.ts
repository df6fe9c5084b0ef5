/**
 * Decorates `fastify.pollBudgets(provider)`: the rate budget every poll of that provider's tasks
 * draws from (the reconciler's poller, and progress polls of watched tasks). In distributed mode
 * it is one token bucket in Redis, so the provider's rate holds across all instances; otherwise an
 * in-memory bucket. Each provider gets one bucket per instance, built on first use.
 * Depends on config and redis.
 */
import fp from 'fastify-plugin'
import type { Config } from '../src/config.ts'
import { createRedisTokenBucket } from '../src/polling/redis-token-bucket.ts'
import type { ProviderBudget } from '../src/polling/runner.ts'
import { createTokenBucket, type RateBudget } from '../src/polling/token-bucket.ts'
import { findProvider } from '../src/providers/registry.ts'

declare module 'fastify' {
  interface FastifyInstance { pollBudgets: (provider: string) => RateBudget }
}

/**
 * A provider's budget: its own `<PROVIDER>_POLL_*` settings, or, for providers without any
 * (callback providers, polled only when a callback is overdue), the reconciler's concurrency and
 * a rate high enough never to be what limits those rare polls.
 */
export function pollBudgetOf (config: Config, provider: string): ProviderBudget {
  return findProvider(provider)?.pollBudget?.(config) ?? {
    concurrency: config.reconcile.concurrency,
    ratePerSec: 50,
    burst: 50
  }
}

export default fp(async function pollBudgets (fastify) {
  const { config, backend } = fastify
  const buckets = new Map<string, RateBudget>()
  fastify.decorate('pollBudgets', (provider: string): RateBudget => {
    let bucket = buckets.get(provider)
    if (!bucket) {
      const budget = pollBudgetOf(config, provider)
      bucket = backend.kind === 'distributed' ? createRedisTokenBucket(backend.redis.commands, backend.keys.pollBudget(provider), budget) : createTokenBucket(budget, Date.now())
      buckets.set(provider, bucket)
    }
    return bucket
  })
}, { name: 'poll-budgets', dependencies: ['config', 'redis'] })
