/**
 * Decorates `fastify.custody` (null with OUTPUT_CUSTODY=false): copies of succeeded tasks' outputs
 * in the media store, and the background retries of failed copies from ready to close (one
 * instance per task at a time, through Redis leases in distributed mode). Counts copies in
 * `bff_output_copies_total` and `bff_output_copied_bytes_total`. Depends on config, redis,
 * metrics, store and media; the retries use `fastify.tasks`, there by the time the app is ready.
 */
import fp from 'fastify-plugin'
import { Counter } from 'prom-client'
import { createCustody, type Custody } from '../src/custody/custody.ts'
import { createOutputFetcher } from '../src/custody/fetch.ts'
import { createRetryQueue } from '../src/custody/retries.ts'
import { outputUrlPolicy } from '../src/security/policies.ts'

declare module 'fastify' {
  interface FastifyInstance { custody: Custody | null }
}

export default fp(async function custody (fastify) {
  const { config } = fastify
  const settings = config.custody
  if (!settings.enabled) {
    fastify.decorate('custody', null)
    return
  }
  const { registry } = fastify.metrics
  const copies = new Counter({ name: 'bff_output_copies_total', help: 'Output copies into the media store, by result (stored, failed)', labelNames: ['result'], registers: [registry] })
  const bytes = new Counter({ name: 'bff_output_copied_bytes_total', help: 'Bytes of outputs copied into the media store', registers: [registry] })
  const log = fastify.log.child({ component: 'custody' })
  const fetcher = createOutputFetcher({ policy: outputUrlPolicy(config), maxBytes: settings.maxBytes, timeoutMs: settings.timeoutMs })
  const queue = createRetryQueue({ media: fastify.media, retryMs: settings.retryMs, maxAttempts: settings.maxAttempts, now: Date.now })
  const custody = createCustody({
    media: fastify.media,
    links: fastify.mediaLinks,
    fetcher,
    retentionMs: settings.retentionMs,
    maxBytes: settings.maxBytes,
    timeoutMs: settings.timeoutMs,
    now: Date.now,
    owe: queue.owe,
    log,
    onCopy: (result, n) => {
      copies.inc({ result })
      if (n > 0) bytes.inc(n)
    }
  })
  fastify.decorate('custody', custody)

  const leases = fastify.backend.leases
  const intervalMs = Math.min(settings.retryMs, 60_000)
  let timer: NodeJS.Timeout | undefined
  let running: Promise<unknown> | undefined
  const tick = (): void => {
    const run = { custody, store: fastify.taskStore, transitions: fastify.tasks.transitions, leases, log }
    running = queue.runDue(run).catch((err: unknown) => { log.warn({ err }, 'output copy retries failed') }).finally(() => {
      running = undefined
      if (timer !== undefined) timer = setTimeout(tick, intervalMs).unref()
    })
  }
  fastify.addHook('onReady', async () => { timer = setTimeout(tick, intervalMs).unref() })
  fastify.addHook('preClose', async () => {
    clearTimeout(timer)
    timer = undefined
    await running
  })
  fastify.addHook('onClose', async () => { await fetcher.close() })
}, { name: 'custody', dependencies: ['config', 'redis', 'metrics', 'store', 'media'] })
