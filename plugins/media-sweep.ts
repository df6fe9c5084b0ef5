/**
 * Runs the media sweep from ready to close: expired uploads and copied outputs leave the media store (one instance
 * at a time in distributed mode, through a Redis lease), and so do expired unfinished uploads: from
 * this instance's disk in embedded mode, from the shared store and Redis, under the same lease, in
 * distributed mode; `bff_media_freed_bytes_total` counts what it freed. Decorates `fastify.mediaSweep`.
 * Depends on config, redis, metrics and media.
 */
import fp from 'fastify-plugin'
import { Counter } from 'prom-client'
import { OUTPUTS_PREFIX } from '../src/custody/keys.ts'
import { createMediaSweep, type MediaSweep } from '../src/media/sweep.ts'
import { UNFINISHED_PREFIX } from '../src/uploads/shared-store.ts'

declare module 'fastify' {
  interface FastifyInstance { mediaSweep: MediaSweep }
}

export default fp(async function mediaSweep (fastify) {
  const { config } = fastify
  const freed = new Counter({ name: 'bff_media_freed_bytes_total', help: 'Bytes of expired media deleted by the sweep', labelNames: ['area'], registers: [fastify.metrics.registry] })
  const deleted = new Counter({ name: 'bff_media_deleted_total', help: 'Expired media files deleted by the sweep', labelNames: ['area'], registers: [fastify.metrics.registry] })
  const log = fastify.log.child({ component: 'media-sweep' })
  const sweep = createMediaSweep({
    media: fastify.media,
    // Parts of unfinished uploads expire with their upload; listed too in case one was never recorded.
    prefixes: ['uploads/', OUTPUTS_PREFIX, ...(fastify.uploads.sharedStaging ? [UNFINISHED_PREFIX] : [])],
    sweepUnfinished: (now) => fastify.uploads.sweepUnfinished(now),
    unfinishedShared: fastify.uploads.sharedStaging,
    leases: fastify.backend.leases,
    intervalMs: config.media.sweepIntervalMs,
    now: Date.now,
    onFreed: (area, result) => {
      freed.inc({ area }, result.bytes)
      deleted.inc({ area }, result.deleted)
      if (result.deleted > 0) log.info({ area, ...result }, 'expired media deleted')
    },
    onError: (err) => { log.warn({ err }, 'media sweep failed') }
  })
  fastify.decorate('mediaSweep', sweep)
  fastify.addHook('onReady', async () => { sweep.start() })
  fastify.addHook('preClose', async () => { await sweep.stop() })
}, { name: 'media-sweep', dependencies: ['config', 'redis', 'metrics', 'media'] })
