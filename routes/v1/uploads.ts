import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { principalOf } from '../../plugins/auth.ts'
import { BffError } from '../../src/errors.ts'

type UploadRequest = FastifyRequest<{ Params: { id?: string } }>

/**
 * tus 1.0 resumable uploads (creation, creation-with-upload, expiration, termination). The tus
 * server speaks to the raw request and response: Fastify authenticates and rate-limits, then
 * steps aside. OPTIONS is left to the CORS plugin, since preflights carry no credentials.
 */
const uploads: FastifyPluginAsync = async (app) => {
  // Upload bytes are never parsed or buffered: tus reads them straight from the socket.
  app.addContentTypeParser('application/offset+octet-stream', (_req, _payload, done) => { done(null) })

  async function handler (request: UploadRequest, reply: FastifyReply): Promise<void> {
    const owner = principalOf(request).owner
    // Headers set by hooks so far (CORS, security, request id) would be lost once we hijack.
    for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) reply.raw.setHeader(name, value)
    reply.hijack()
    try {
      await app.uploads.handle(request.raw, reply.raw, owner, request.params.id)
    } catch (err) {
      // Past the hijack the error handler cannot answer; a storage failure must still get one.
      request.log.error({ err }, 'upload request failed')
      if (!reply.raw.headersSent) reply.raw.writeHead(503, { 'content-type': 'application/json; charset=utf-8' })
      reply.raw.end(reply.raw.headersSent ? undefined : JSON.stringify(new BffError('BFF_ERR_STORE_UNAVAILABLE').toBody()))
    }
  }
  app.route({ method: 'POST', url: '/uploads', handler, schema: { hide: true } })
  app.route({ method: ['HEAD', 'PATCH', 'DELETE'], url: '/uploads/:id', handler, schema: { hide: true } })
}

export default uploads
