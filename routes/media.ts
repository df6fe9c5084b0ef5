import type { FastifyPluginAsync } from 'fastify'
import { BffError } from '../src/errors.ts'
import { parseRange } from '../src/media/types.ts'
import { isOutputKey } from '../src/custody/keys.ts'

/**
 * Media files the BFF serves itself (the disk backend): no Authorization header, since the gateway
 * and <video src> send none; the signature and expiry in the query are the credential. Answers
 * byte ranges so players can seek.
 */
const media: FastifyPluginAsync = async (app) => {
  app.route<{ Params: { '*': string }, Querystring: { expires?: string, sig?: string } }>({
    method: ['GET', 'HEAD'],
    url: '/media/*',
    schema: { hide: true },
    handler: async (request, reply) => {
      const key = request.params['*']
      // A genuine output link past its retention (or whose copy the sweep deleted) says so: 410, not 403/404.
      const gone = isOutputKey(key) ? 'BFF_ERR_MEDIA_EXPIRED' : undefined
      const verdict = app.mediaLinks.check(key, request.query.expires, request.query.sig)
      if (verdict !== 'valid') throw new BffError(verdict === 'expired' && gone ? gone : 'BFF_ERR_MEDIA_LINK_INVALID')
      const object = await app.media.stat(key)
      if (!object || (object.expiresAt !== null && object.expiresAt <= Date.now())) throw new BffError(gone ?? 'BFF_ERR_MEDIA_NOT_FOUND')
      const range = parseRange(request.headers.range, object.size)
      if (range === 'invalid') {
        reply.header('content-range', `bytes */${object.size}`)
        throw new BffError('BFF_ERR_MEDIA_RANGE')
      }
      reply.header('accept-ranges', 'bytes').header('content-type', object.contentType).header('cache-control', 'private, max-age=300')
      if (range) reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${object.size}`)
      reply.header('content-length', range ? range.end - range.start + 1 : object.size)
      if (request.method === 'HEAD') return reply.send()
      const read = await app.media.read(key, range ?? undefined)
      if (!read) throw new BffError('BFF_ERR_MEDIA_NOT_FOUND')
      return reply.send(read.body)
    }
  })
}

export default media
