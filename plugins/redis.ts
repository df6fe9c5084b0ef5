/**
 * Distributed mode: when REDIS_URL is set, decorates `fastify.redis` with two ioredis connections
 * (commands, and one dedicated to pub/sub subscriptions) that the store, bus, rate limits and
 * leases share, and `fastify.backend` (src/backends.ts), the one choice between embedded and
 * distributed mode that the other plugins take; `null` and the embedded backend otherwise. Commands fail fast while Redis is down (no offline queue), so
 * requests get 503s instead of hanging, and the connections reconnect by themselves.
 * Depends on config.
 * @see https://github.com/redis/ioredis
 */
import fp from 'fastify-plugin'
import { Redis, ReplyError } from 'ioredis'
import { distributedBackend, EMBEDDED_BACKEND, type Backend } from '../src/backends.ts'
import { UpstreamIdTakenError } from '../src/store/types.ts'

declare module 'fastify' {
  interface FastifyInstance { redis: { commands: Redis, subscriber: Redis } | null, backend: Backend }
}

/** A failure to talk to Redis, as opposed to Redis rejecting a command (a bug) or the store refusing a write. */
export function isRedisUnavailable (err: unknown): boolean {
  return err instanceof Error && !(err instanceof ReplyError) && !(err instanceof UpstreamIdTakenError)
}

export default fp(async function redis (fastify) {
  const cfg = fastify.config.redis
  if (!cfg) {
    fastify.decorate('redis', null)
    fastify.decorate('backend', EMBEDDED_BACKEND)
    return
  }
  let closing = false
  const open = (role: string): Redis => {
    const conn = new Redis(cfg.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      retryStrategy: (times) => Math.min(times * 200, 2_000)
    })
    // ioredis reports every failed reconnect; one line per state change is enough.
    conn.on('error', (err) => fastify.log.debug({ err, role }, 'redis connection error'))
    conn.on('close', () => { if (!closing) fastify.log.warn({ role }, 'redis connection lost') })
    conn.on('ready', () => fastify.log.info({ role }, 'redis connection ready'))
    return conn
  }
  const commands = open('commands')
  const subscriber = open('subscriber')
  // The subscriber must queue SUBSCRIBEs made while reconnecting; ioredis replays them.
  subscriber.options.enableOfflineQueue = true
  await Promise.all([commands.connect(), subscriber.connect()])
  fastify.decorate('redis', { commands, subscriber })
  fastify.decorate('backend', distributedBackend({ commands, subscriber }, cfg.prefix))
  fastify.addHook('onClose', async () => {
    closing = true
    await Promise.allSettled([commands.quit(), subscriber.quit()])
  })
}, { name: 'redis', dependencies: ['config'] })
