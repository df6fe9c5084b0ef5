import type { Redis } from 'ioredis'
import { hashTag } from '../store/redis-keys.ts'
import type { TaskEvent } from '../tasks/model.ts'
import type { EventBus, EventListener } from './types.ts'

export interface RedisEventBusOptions {
  publisher: Redis
  /** Dedicated to this bus: it enters subscriber mode, and this bus (un)subscribes its channels. */
  subscriber: Redis
  prefix: string
  /** A listener threw, a message was unreadable, or (un)subscribing failed. */
  onError?: ((err: unknown) => void) | undefined
}

interface Subscription { listeners: Set<EventListener>, ready: Promise<void>, live: boolean }

/**
 * Fan-out across instances over Redis pub/sub: one channel per owner, subscribed while this
 * instance has at least one local listener for it. Delivery is at most once (pub/sub keeps
 * nothing), which is why streams replay from the EventLog.
 */
export function createRedisEventBus (opts: RedisEventBusOptions): EventBus & { ready: (owner: string) => Promise<void> } {
  const { publisher, subscriber } = opts
  const onError = opts.onError ?? (() => {})
  const base = `${hashTag(opts.prefix)}:bus:`
  const channelOf = (owner: string): string => base + encodeURIComponent(owner)
  const subs = new Map<string, Subscription>()

  const onMessage = (channel: string, message: string): void => {
    const sub = subs.get(channel)
    if (!sub) return
    let event: TaskEvent
    try {
      event = JSON.parse(message) as TaskEvent
    } catch (err) {
      onError(err)
      return
    }
    // A copy: a listener may unsubscribe itself or others while we iterate.
    for (const listener of [...sub.listeners]) {
      try { listener(event) } catch (err) { onError(err) }
    }
  }
  subscriber.on('message', onMessage)

  const connect = (channel: string, sub: Subscription): void => {
    sub.live = true
    sub.ready = subscriber.subscribe(channel).then(() => undefined)
    // Kept handled here; `ready()` hands the same promise to whoever waits for it.
    sub.ready.catch((err: unknown) => {
      sub.live = false
      onError(err)
    })
  }

  return {
    async publish (event) {
      await publisher.publish(channelOf(event.owner), JSON.stringify(event))
    },

    subscribe (owner, listener) {
      const channel = channelOf(owner)
      let sub = subs.get(channel)
      if (!sub) {
        sub = { listeners: new Set(), ready: Promise.resolve(), live: false }
        subs.set(channel, sub)
      }
      // A failed SUBSCRIBE is retried by the next listener rather than leaving the owner deaf.
      if (!sub.live) connect(channel, sub)
      const own = sub
      own.listeners.add(listener)
      return () => {
        if (!own.listeners.delete(listener) || own.listeners.size > 0 || subs.get(channel) !== own) return
        subs.delete(channel)
        if (own.live) subscriber.unsubscribe(channel).catch(onError)
      }
    },

    async ready (owner) {
      await (subs.get(channelOf(owner))?.ready ?? Promise.resolve())
    },

    async close () {
      subscriber.off('message', onMessage)
      const channels = [...subs.entries()].filter(([, sub]) => sub.live).map(([channel]) => channel)
      subs.clear()
      if (channels.length > 0) await subscriber.unsubscribe(...channels).catch(onError)
    }
  }
}
