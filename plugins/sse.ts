/**
 * Decorates `fastify.openSse()`, which creates a Server-Sent Events stream with the configured
 * retry hint and buffer bound, and tracks it: one timer sends every stream its heartbeat, and
 * closing the server ends every stream with a `shutdown` event (clients reconnect elsewhere)
 * instead of hanging. Depends on config.
 */
import fp from 'fastify-plugin'
import { createSseStream, type SseStream } from '../src/sse/stream.ts'

declare module 'fastify' {
  interface FastifyInstance {
    openSse: () => SseStream
    /** Streams currently open on this instance. */
    openSseCount: () => number
  }
}

export default fp(async function sse (fastify) {
  const open = new Set<SseStream>()
  // One timer for every stream instead of one per stream.
  const heartbeat = Buffer.from(': heartbeat\n\n')
  const timer = setInterval(() => { for (const stream of open) stream.sendEncoded(heartbeat) }, fastify.config.sse.heartbeatMs)
  timer.unref()
  fastify.addHook('onClose', async () => { clearInterval(timer) })
  const shutdown = { event: 'shutdown', data: { reason: 'server shutting down' }, retry: fastify.config.sse.retryMs }
  let closing = false
  fastify.decorate('openSse', () => {
    const stream = createSseStream(fastify.config.sse)
    // A stream whose request was still on its way in (auth, caps, the first read) when closing
    // began would otherwise stay open and hold the server's close for good.
    if (closing) {
      stream.end(shutdown)
      return stream
    }
    open.add(stream)
    stream.onClose(() => open.delete(stream))
    return stream
  })
  fastify.decorate('openSseCount', () => open.size)
  fastify.addHook('preClose', async () => {
    closing = true
    for (const stream of open) stream.end(shutdown)
  })
}, { name: 'sse', dependencies: ['config'] })
