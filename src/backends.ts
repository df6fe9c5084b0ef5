import type { Redis } from 'ioredis'
import { createRedisLeases, LOCAL_LEASES, type Leases } from './coordination/lease.ts'
import { redisKeys, type RedisKeys } from './store/redis-keys.ts'

/**
 * The one place that decides between the embedded backend (SQLite, in-process bus, local leases,
 * disk media) and the distributed one (Redis store, bus, leases, rate limits; S3 media): plugins
 * take what they need from here instead of each testing whether Redis is configured, so the two
 * modes cannot drift apart plugin by plugin.
 */
export type Backend = EmbeddedBackend | DistributedBackend

interface BackendBase {
  /** Shared by every instance in distributed mode; a no-op in one process. */
  leases: Leases
}

export interface EmbeddedBackend extends BackendBase {
  kind: 'embedded'
}

export interface DistributedBackend extends BackendBase {
  kind: 'distributed'
  /** Commands, and a connection dedicated to pub/sub subscriptions. */
  redis: { commands: Redis, subscriber: Redis }
  prefix: string
  keys: RedisKeys
}

export const EMBEDDED_BACKEND: EmbeddedBackend = { kind: 'embedded', leases: LOCAL_LEASES }

export function distributedBackend (redis: { commands: Redis, subscriber: Redis }, prefix: string): DistributedBackend {
  return { kind: 'distributed', redis, prefix, keys: redisKeys(prefix), leases: createRedisLeases(redis.commands, prefix) }
}
