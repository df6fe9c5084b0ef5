/**
 * Caps open connections per peer address and in total, refusing extra ones on accept, before any
 * HTTP parsing; addresses listed in TRUST_PROXY (a proxy speaks for many clients) are exempt from
 * the per-address cap. The total is held below the process's open-file limit, and decorates
 * `fastify.capacity` with the stream cap derived from it. Refusals are logged at most once per
 * 10 s, with a count. Depends on config.
 */
import fp from 'fastify-plugin'
import { capacityOf, openFileLimit, type Capacity } from '../src/security/capacity.ts'
import { addressMatcher, capConnections } from '../src/security/connections.ts'

declare module 'fastify' {
  interface FastifyInstance { capacity: Capacity }
}

const LOG_EVERY_MS = 10_000

export default fp(async function connections (fastify) {
  const { edge, trustProxy, sse } = fastify.config
  const capacity = capacityOf({ fdLimit: openFileLimit(), connectionsMax: edge.connectionsMax, streamsMax: sse.maxStreams })
  fastify.decorate('capacity', capacity)
  let refused = 0
  let loggedAt = 0
  capConnections(fastify.server, {
    total: capacity.connections,
    perIp: edge.connectionsPerIpMax,
    exempt: Array.isArray(trustProxy) ? addressMatcher(trustProxy) : undefined,
    onRefused (address) {
      refused++
      const now = Date.now()
      if (now - loggedAt < LOG_EVERY_MS) return
      fastify.log.warn({ remoteAddress: address, refused, perIpMax: edge.connectionsPerIpMax }, 'connections refused: too many from one address')
      loggedAt = now
      refused = 0
    }
  })
}, { name: 'connections', dependencies: ['config'] })
