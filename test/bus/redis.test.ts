import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createRedisEventBus } from '../../src/bus/redis.ts'
import { redisAvailable, testPrefix } from '../redis-helper.ts'
import { connectRedis } from '../store/redis-connection.ts'
import { eventFor, recorder, runBusContract } from './contract.ts'

// Throws under CI when Redis is missing, so the suite fails there instead of skipping.
const available = await redisAvailable()
const filePrefix = testPrefix()
let seq = 0
let publisher: Redis

beforeAll(async () => {
  if (available) publisher = await connectRedis()
})
afterAll(async () => {
  if (available) await publisher.quit()
})

/** A bus as one BFF instance has it: the shared command connection and its own subscriber. */
async function instance (prefix: string, onError?: (err: unknown) => void) {
  const subscriber = await connectRedis()
  const bus = createRedisEventBus({ publisher, subscriber, prefix, onError })
  return { bus, subscriber, async close () { await bus.close(); await subscriber.quit() } }
}

runBusContract('redis', async (onError) => {
  const prefix = `${filePrefix}:${++seq}`
  const one = await instance(prefix, onError)
  const two = await instance(prefix, onError)
  return { bus: one.bus, peer: two.bus, async close () { await one.close(); await two.close() } }
}, { crossInstance: true, skip: !available })

describe.skipIf(!available)('redis bus specifics', () => {
  const numsub = async (channel: string): Promise<number> => Number((await publisher.pubsub('NUMSUB', channel))[1])

  it('subscribes an owner\'s channel once, while it has listeners', async () => {
    const prefix = `${filePrefix}:${++seq}`
    const channel = `{${prefix}}:bus:team%3Ared`
    const { bus, close } = await instance(prefix)
    const offA = bus.subscribe('team:red', () => {})
    const offB = bus.subscribe('team:red', () => {})
    await bus.ready('team:red')
    expect(await numsub(channel)).toBe(1)
    offA()
    await vi.waitFor(async () => expect(await numsub(channel)).toBe(1))
    offB()
    await vi.waitFor(async () => expect(await numsub(channel)).toBe(0))
    await close()
  })

  it('unsubscribes everything on close and leaves the connections open', async () => {
    const prefix = `${filePrefix}:${++seq}`
    const { bus, subscriber } = await instance(prefix)
    bus.subscribe('alice', () => {})
    bus.subscribe('bob', () => {})
    await Promise.all([bus.ready('alice'), bus.ready('bob')])
    await bus.close()
    expect(await numsub(`{${prefix}}:bus:alice`)).toBe(0)
    expect(await numsub(`{${prefix}}:bus:bob`)).toBe(0)
    expect(subscriber.status).toBe('ready')
    expect(await publisher.ping()).toBe('PONG')
    await subscriber.quit()
  })

  it('reports an unreadable message and keeps going', async () => {
    const prefix = `${filePrefix}:${++seq}`
    const errors: unknown[] = []
    const { bus, close } = await instance(prefix, (err) => { errors.push(err) })
    const a = recorder()
    bus.subscribe('alice', a.listener)
    await bus.ready('alice')
    await publisher.publish(`{${prefix}}:bus:alice`, 'not json')
    const event = eventFor('alice')
    await bus.publish(event)
    await vi.waitFor(() => expect(a.seen).toEqual([event]))
    expect(errors).toHaveLength(1)
    await close()
  })
})
