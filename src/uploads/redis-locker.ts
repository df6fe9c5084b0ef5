import { randomUUID } from 'node:crypto'
import type { Lock, Locker, RequestRelease } from '@tus/utils'
import type { Redis } from 'ioredis'
import type { RedisKeys } from '../store/redis-keys.ts'
import { TusRefusal } from './tus-error.ts'

export interface RedisLockerOptions {
  commands: Redis
  /** In subscriber mode (shared with the bus): carries the requests to let go of a lock. */
  subscriber: Redis
  keys: Pick<RedisKeys, 'uploadLock' | 'uploadLockRelease'>
  /** How long a lock outlives a crashed holder; renewed while it is held. */
  ttlMs?: number
  /** How long a request waits for the holder to let go before it is answered 423. */
  acquireTimeoutMs?: number
  onError?: (err: unknown) => void
}

export interface RedisLocker extends Locker {
  /** Runs `fn` while holding `name`, waiting for any other instance's turn first. */
  exclusive: <T>(name: string, fn: () => Promise<T>) => Promise<T>
  close: () => Promise<void>
}

interface Held { token: string, release: RequestRelease, renewal: NodeJS.Timeout }

const RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"
const POLL_MS = 25
// A holder that just took over from another may not have heard the first request.
const ASK_AGAIN_MS = 500

const locked = (): TusRefusal => new TusRefusal('BFF_ERR_UPLOAD_LOCKED')

/**
 * tus's Locker across instances: the lock is a Redis key with the holder's token. A request that
 * finds it taken asks the holder (on whichever instance) to let go, as tus's in-memory locker does
 * within one process: the holder's PATCH stops, keeps what it received and answers; the newcomer
 * then takes the lock (and usually learns the new offset). A crashed holder's lock runs out.
 */
export function createRedisLocker (opts: RedisLockerOptions): RedisLocker {
  const { commands, subscriber, keys } = opts
  const ttlMs = opts.ttlMs ?? 10_000
  const acquireTimeoutMs = opts.acquireTimeoutMs ?? 20_000
  const onError = opts.onError ?? (() => {})
  const held = new Map<string, Held>()
  const channel = keys.uploadLockRelease

  const onMessage = (from: string, name: string): void => {
    if (from !== channel) return
    const holder = held.get(name)
    if (holder) Promise.resolve(holder.release()).catch(onError)
  }
  subscriber.on('message', onMessage)
  const subscribed = subscriber.subscribe(channel).then(() => undefined)
  subscribed.catch(onError)

  function wait (ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      function done (): void { clearTimeout(timer); signal.removeEventListener('abort', done); resolve() }
      signal.addEventListener('abort', done, { once: true })
    })
  }

  function newLock (name: string): Lock {
    const key = keys.uploadLock(name)
    const token = randomUUID()
    return {
      async lock (signal, release) {
        const deadline = Date.now() + acquireTimeoutMs
        let askedAt = 0
        for (;;) {
          if (await commands.set(key, token, 'PX', ttlMs, 'NX') === 'OK') break
          if (signal.aborted || Date.now() >= deadline) throw locked()
          if (Date.now() - askedAt >= ASK_AGAIN_MS) {
            askedAt = Date.now()
            await commands.publish(channel, name)
          }
          await wait(POLL_MS, signal)
        }
        const renewal = setInterval(() => {
          commands.eval(RENEW, 1, key, token, ttlMs).then((kept) => {
            // Lost (Redis was unreachable past the TTL): stop writing; the offset check refuses what is late.
            if (kept === 0) return held.get(name)?.release()
          }).catch(onError)
        }, Math.floor(ttlMs / 3)).unref()
        held.set(name, { token, release, renewal })
      },
      async unlock () {
        const holder = held.get(name)
        if (holder?.token === token) {
          clearInterval(holder.renewal)
          held.delete(name)
        }
        await commands.eval(RELEASE, 1, key, token)
      }
    }
  }

  return {
    newLock,
    async exclusive (name, fn) {
      const lock = newLock(name)
      await lock.lock(new AbortController().signal, () => {})
      try {
        return await fn()
      } finally {
        await lock.unlock().catch(onError)
      }
    },
    async close () {
      subscriber.off('message', onMessage)
      for (const holder of held.values()) clearInterval(holder.renewal)
      held.clear()
      await subscribed.catch(() => {})
      await subscriber.unsubscribe(channel).catch(onError)
    }
  }
}
