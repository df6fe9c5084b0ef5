/**
 * Decorates `fastify.media` (the media store: S3 when MEDIA_S3_BUCKET is set, else files under
 * MEDIA_DIR), `fastify.mediaLinks` (signed URLs for it) and `fastify.uploads` (the tus server
 * with our limits; in distributed mode its unfinished uploads live in the media store with their
 * state and locks in Redis, so any instance resumes them). Closes what it opened. Depends on config
 * and redis.
 * @see https://github.com/tus/tus-node-server
 */
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import fp from 'fastify-plugin'
import { createDiskMediaStore } from '../src/media/disk.ts'
import { createMediaLinks, type MediaLinks } from '../src/media/links.ts'
import { createS3MediaStore } from '../src/media/s3.ts'
import type { MediaStore } from '../src/media/types.ts'
import { createUploads, type Uploads } from '../src/uploads/service.ts'
import { createLocalStaging } from '../src/uploads/staging-local.ts'
import { createSharedStaging } from '../src/uploads/staging-shared.ts'

declare module 'fastify' {
  interface FastifyInstance { media: MediaStore, mediaLinks: MediaLinks, uploads: Uploads }
}

export default fp<{ media?: MediaStore | undefined }>(async function media (fastify, opts) {
  const { config } = fastify
  const { s3 } = config.media
  const store = opts.media ?? (s3 ? createS3MediaStore(s3) : createDiskMediaStore(config.media.dir))
  // Output links are always the BFF's own, so S3 mode needs the shared secret too once custody is on.
  if (!config.media.linkSecret && (!s3 || config.custody.enabled)) fastify.log.warn('MEDIA_LINK_SECRET is not set: media links are signed with a per-process key and only work on this instance')
  fastify.decorate('media', store)
  fastify.decorate('mediaLinks', createMediaLinks({
    store,
    secret: config.media.linkSecret ?? randomBytes(32).toString('base64url'),
    publicUrl: config.publicUrl,
    now: Date.now
  }))
  const { backend } = fastify
  const ttl = config.uploads.unfinishedTtlMs
  const staging = backend.kind === 'distributed'
    ? createSharedStaging({ media: store, redis: backend.redis, keys: backend.keys, expirationMs: ttl, onError: (err) => fastify.log.warn({ err }, 'upload lock error') })
    : createLocalStaging(store, join(config.media.dir, 'staging'), ttl)
  fastify.decorate('uploads', createUploads({
    media: store,
    staging,
    limits: config.uploads,
    path: '/v1/uploads',
    corsOrigins: config.corsOrigins,
    now: Date.now
  }))
  fastify.addHook('onClose', async () => {
    await staging.close()
    if (!opts.media) await store.close()
  })
}, { name: 'media', dependencies: ['config', 'redis'] })
