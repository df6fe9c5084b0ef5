/**
 * Decorates `fastify.streamCaps.acquire(owner, ip)`, which reserves a slot for one event stream
 * or throws `429 BFF_ERR_TOO_MANY_STREAMS`: at most SSE_MAX_STREAMS_PER_OWNER per owner (across
 * instances in distributed mode, through leases in Redis refreshed on the heartbeat) and
 * SSE_MAX_STREAMS_PER_IP per client IP on this instance; past the instance's own stream capacity,
 * `503 BFF_ERR_STREAMS_FULL` with Retry-After, so the instance never runs out of descriptors for
 * its probes. Depends on config, redis, connections.
 */
import fp from 'fastify-plugin'
import { memoryStreamSlots, redisStreamSlots, type StreamSlots } from '../src/coordination/stream-slots.ts'
import { BffError } from '../src/errors.ts'

declare module 'fastify' {
  interface FastifyInstance {
    streamCaps: { acquire: (owner: string, ip: string) => Promise<() => void> }
  }
}

export default fp(async function streamCaps (fastify) {
  const { sse } = fastify.config
  const { backend } = fastify
  // A lease outlives two missed heartbeats, so a slow refresh never frees a live stream's slot.
  const owners: StreamSlots = backend.kind === 'distributed'
    ? redisStreamSlots(backend.redis.commands, backend.keys.streams, sse.heartbeatMs * 3)
    : memoryStreamSlots()
  const ips = memoryStreamSlots()
  const { streams: instanceMax } = fastify.capacity
  const retryAfterSec = Math.max(1, Math.ceil(sse.retryMs / 1000))
  let open = 0
  const timer = setInterval(() => {
    owners.refresh().catch((err: unknown) => fastify.log.warn({ err }, 'stream leases not refreshed'))
  }, sse.heartbeatMs)
  timer.unref()
  fastify.addHook('onClose', async () => { clearInterval(timer) })

  const tooMany = (what: string, max: number): BffError =>
    new BffError('BFF_ERR_TOO_MANY_STREAMS', `At most ${max} open event streams per ${what}; close one first`)

  /** Per-address and per-owner slots; resolves to their release. */
  async function acquireSlots (owner: string, ip: string): Promise<() => void> {
    const bySource = await ips.acquire(ip, sse.maxStreamsPerIp)
    if (!bySource) throw tooMany('client address', sse.maxStreamsPerIp)
    let byOwner: { release: () => void } | null
    try {
      byOwner = await owners.acquire(owner, sse.maxStreamsPerOwner)
    } catch (err) {
      bySource.release()
      throw err
    }
    if (!byOwner) {
      bySource.release()
      throw tooMany('owner', sse.maxStreamsPerOwner)
    }
    return () => { byOwner.release(); bySource.release() }
  }

  fastify.decorate('streamCaps', {
    async acquire (owner: string, ip: string) {
      // Counted before the awaits, so a burst cannot overshoot the instance's capacity.
      if (open >= instanceMax) throw new BffError('BFF_ERR_STREAMS_FULL', undefined, { retryAfterSec })
      open++
      try {
        const release = await acquireSlots(owner, ip)
        let released = false
        return () => {
          if (released) return
          released = true
          open--
          release()
        }
      } catch (err) {
        open--
        throw err
      }
    }
  })
}, { name: 'stream-caps', dependencies: ['config', 'redis', 'connections'] })
