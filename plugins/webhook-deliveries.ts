/**
 * Decorates `fastify.deliveries` (the owner's view of a task's webhook messages, and redelivery)
 * and runs the delivery worker from ready to close when endpoints are configured (WEBHOOK_ENDPOINTS)
 * or creates may name their own (WEBHOOK_ALLOW_HOSTS). Counts attempts in
 * `bff_webhook_deliveries_total` by endpoint host and outcome. Depends on config, metrics and store.
 */
import fp from 'fastify-plugin'
import { Counter, Histogram } from 'prom-client'
import { BffError } from '../src/errors.ts'
import { createSender } from '../src/webhooks/send.ts'
import { toDelivery, type Delivery } from '../src/webhooks/view.ts'
import { createDeliveryWorker } from '../src/webhooks/worker.ts'

export interface Deliveries {
  list: (taskId: string) => Promise<Delivery[]>
  redeliver: (taskId: string, deliveryId: string) => Promise<Delivery>
}

declare module 'fastify' {
  interface FastifyInstance { deliveries: Deliveries }
}

const LIST_LIMIT = 500
const PURGE_EVERY_MS = 3_600_000

export default fp(async function webhookDeliveries (fastify) {
  const settings = fastify.config.webhooks
  const store = fastify.deliveryStore
  const endpoints = new Map(settings.endpoints.map((e) => [e.key, e]))
  const registers = [fastify.metrics.registry]
  const attempts = new Counter({ name: 'bff_webhook_deliveries_total', help: 'Webhook delivery attempts, by endpoint host and outcome (delivered, retrying, failed: given up).', labelNames: ['endpoint', 'outcome'], registers })
  const duration = new Histogram({ name: 'bff_webhook_attempt_duration_seconds', help: 'Duration of webhook delivery attempts, by endpoint host.', labelNames: ['endpoint'], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers })

  const enabled = store !== null && fastify.outboxRouting !== undefined
  const sender = enabled ? createSender({ timeoutMs: settings.timeoutMs, maxAnswerBytes: settings.maxAnswerBytes }) : undefined
  const worker = store && sender
    ? createDeliveryWorker({
      store,
      sender,
      endpoints: settings.endpoints,
      taskSecret: settings.taskSecret,
      retryDelaysMs: settings.retryDelaysMs,
      concurrency: settings.concurrency,
      pollMs: settings.pollMs,
      leaseMs: settings.timeoutMs * 2 + 1_000,
      log: fastify.log.child({ component: 'webhooks' }),
      onAttempt: (host, outcome, result) => {
        attempts.inc({ endpoint: host, outcome })
        duration.observe({ endpoint: host }, result.seconds)
      }
    })
    : undefined
  if (worker && fastify.outboxRouting) fastify.outboxRouting.enqueued = worker.wake

  fastify.decorate('deliveries', {
    async list (taskId) {
      return store ? (await store.deliveries(taskId, LIST_LIMIT)).map((m) => toDelivery(m, endpoints)) : []
    },
    async redeliver (taskId, deliveryId) {
      const m = await store?.redeliver(taskId, deliveryId, Date.now())
      if (!m) throw new BffError('BFF_ERR_DELIVERY_NOT_FOUND')
      worker?.wake()
      return toDelivery(m, endpoints)
    }
  } satisfies Deliveries)

  if (!worker || !store) return
  let purge: NodeJS.Timeout | undefined
  fastify.addHook('onReady', async () => {
    worker.start()
    purge = setInterval(() => {
      store.purgeDeliveries(Date.now() - settings.retentionMs).catch((err: unknown) => { fastify.log.warn({ err }, 'finished webhook deliveries could not be purged') })
    }, PURGE_EVERY_MS).unref()
  })
  // Before the store closes: attempts in flight finish (or are cut short) and are recorded.
  fastify.addHook('preClose', async () => {
    clearInterval(purge)
    await worker.stop()
  })
  fastify.addHook('onClose', async () => { await sender?.close() })
}, { name: 'webhook-deliveries', dependencies: ['config', 'metrics', 'store'] })
