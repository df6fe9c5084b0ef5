/**
 * Bounds what one request may hold: a non-streaming request not answered within
 * REQUEST_TIMEOUT_MS gets `503 BFF_ERR_REQUEST_TIMEOUT` (routes with `config: { stream: true }`,
 * the event streams, are exempt), and an answer sent before the request body was read closes the
 * connection, so a client trickling a body it was refused cannot keep the socket.
 * Node's own header, body and keep-alive deadlines are set on the server in src/app.ts.
 * Depends on config.
 */
import fp from 'fastify-plugin'
import { BffError } from '../src/errors.ts'

declare module 'fastify' {
  interface FastifyContextConfig { stream?: boolean }
}

export default fp(async function deadlines (fastify) {
  const timeoutMs = fastify.config.edge.requestTimeoutMs
  fastify.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config.stream) return
    const timer = setTimeout(() => {
      if (reply.sent || reply.raw.headersSent) return
      request.log.warn({ timeoutMs }, 'request not answered in time')
      reply.header('connection', 'close').code(503).send(new BffError('BFF_ERR_REQUEST_TIMEOUT').toBody())
    }, timeoutMs)
    timer.unref()
    reply.raw.once('close', () => clearTimeout(timer))
  })
  fastify.addHook('onSend', async (request, reply) => {
    if (!request.raw.complete) reply.header('connection', 'close')
  })
}, { name: 'deadlines', dependencies: ['config'] })
