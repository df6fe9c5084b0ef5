/**
 * Decorates `fastify.media` (the media store: S3 when MEDIA_S3_BUCKET is set, else files under
 * MEDIA_DIR), `fastify.mediaLinks` (signed URLs for it) and `fastify.uploads` (the tus server
 * with our limits). Closes the store it opened. Depends on config.
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

declare module 'fastify' {
  interface FastifyInstance { media: MediaStore, mediaLinks: MediaLinks, uploads: Uploads }
}

export default fp<{ media?: MediaStore | undefined }>(async function media (fastify, opts) {
  const { config } = fastify
  const { s3 } = config.media
  const store = opts.media ?? (s3 ? createS3MediaStore(s3) : createDiskMediaStore(config.media.dir))
  // Output links are always the BFF's own, so S3 mode needs the shared secret too once custody is on.
  if (!config.media.linkSecret && (!s3 || config.custody.enabled)) fastify.log.warn('MEDIA_LINK_SECRET is not set: media links are signed with a per-process key and only work on this instance')
  // Several instances share the bucket, but each keeps its own unfinished uploads (see the README).
  if (s3 && fastify.backend.kind === 'distributed') fastify.log.info('unfinished uploads are kept on this instance until they finish: route a client\'s /v1/uploads requests to one instance (sticky sessions)')
  fastify.decorate('media', store)
  fastify.decorate('mediaLinks', createMediaLinks({
    store,
    secret: config.media.linkSecret ?? randomBytes(32).toString('base64url'),
    publicUrl: config.publicUrl,
    now: Date.now
  }))
  fastify.decorate('uploads', createUploads({
    media: store,
    // Unfinished uploads stay on this instance's disk even in S3 mode (see the README).
    stagingDir: join(config.media.dir, 'staging'),
    limits: config.uploads,
    path: '/v1/uploads',
    corsOrigins: config.corsOrigins,
    now: Date.now
  }))
  if (!opts.media) fastify.addHook('onClose', async () => { await store.close() })
}, { name: 'media', dependencies: ['config', 'redis'] })
