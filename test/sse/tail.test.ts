import type { Redis } from 'ioredis'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryEventBus } from '../../src/bus/memory.ts'
import { createRedisEventBus } from '../../src/bus/redis.ts'
import type { EventBus } from '../../src/bus/types.ts'
import { createEventTails, type EventTails } from '../../src/sse/tail.ts'
import { createRedisStore } from '../../src/store/redis.ts'
import { createSqliteStore } from '../../src/store/sqlite.ts'
import type { TaskEvent } from '../../src/tasks/model.ts'
import { dropPrefix, redisAvailable, testPrefix } from '../redis-helper.ts'
import { add, advance, type Store } from '../store/fixtures.ts'
import { connectRedis } from '../store/redis-connection.ts'

const available = await redisAvailable()
const filePrefix = testPrefix()
let seq = 0
const conns: Redis[] = []

interface Medium { store: Store, bus: EventBus, close: () => Promise<void> }

const media: { name: string, skip: boolean, open: () => Promise<Medium> }[] = [
  {
    name: 'sqlite + memory bus',
    skip: false,
    async open () {
      const store = createSqliteStore(':memory:')
      const bus = createMemoryEventBus()
      return { store, bus, async close () { await bus.close(); await store.close() } }
    }
  },
  {
    name: 'redis store + redis bus',
    skip: !available,
    async open () {
      const [commands, subscriber] = [await connectRedis(), await connectRedis()]
      conns.push(commands, subscriber)
      subscriber.options.enableOfflineQueue = true
      const prefix = `${filePrefix}:${++seq}`
      const store = createRedisStore(commands, { prefix, maxEventsPerOwner: 10_000, maxEventsPerTask: 1_000 })
      const bus = createRedisEventBus({ publisher: commands, subscriber, prefix })
      return { store, bus, async close () { await bus.close() } }
    }
  }
]

afterAll(async () => {
  if (available) await dropPrefix(filePrefix)
  await Promise.allSettled(conns.map((c) => c.quit()))
})

const ids = (events: TaskEvent[]): number[] => events.map((e) => e.id)

for (const medium of media) {
  describe.skipIf(medium.skip)(`event tails: ${medium.name}`, () => {
    let m: Medium
    let tails: EventTails
    const open = async (catchUpMs = 60_000): Promise<void> => {
      m = await medium.open()
      tails = createEventTails({ log: m.store, bus: m.bus, catchUpMs, pageSize: 3 })
    }
    afterEach(async () => {
      tails.close()
      await m.close()
    })

    it('delivers in id order, once, whatever order the notifications come in', async () => {
      await open()
      const got: TaskEvent[] = []
      await tails.join('alice', { receive: (e) => got.push(e) })
      const written: TaskEvent[] = []
      let { task, event } = await add(m.store)
      written.push(event)
      for (let i = 1; i <= 7; i++) {
        ;({ task, event } = await advance(m.store, task, { status: 'processing', progress: i }))
        written.push(event)
      }
      // Newest first, one twice: only the log decides what a reader gets.
      for (const e of [...written].reverse()) await m.bus.publish(e)
      await m.bus.publish(written[0]!)
      await vi.waitFor(() => expect(ids(got)).toEqual(ids(written)), { timeout: 5000 })
    })

    it('catches up without any notification within the bound, for every reader of the owner', async () => {
      await open(200)
      const [all, one, other] = [[] as TaskEvent[], [] as TaskEvent[], [] as TaskEvent[]]
      const { task } = await add(m.store)
      await tails.join('alice', { receive: (e) => all.push(e) })
      await tails.join('alice', { taskId: task.id, receive: (e) => one.push(e) })
      await tails.join('bob', { receive: (e) => other.push(e) })
      expect(tails.size()).toBe(2)
      const { event: second } = await add(m.store)
      const { event: progress } = await advance(m.store, task, { status: 'processing', progress: 5 })
      const started = Date.now()
      await vi.waitFor(() => expect(ids(all)).toEqual([second.id, progress.id]), { timeout: 5000, interval: 10 })
      // Generous against a loaded machine; the bound itself is what the timer guarantees.
      expect(Date.now() - started).toBeLessThan(2000)
      expect(ids(one)).toEqual([progress.id])
      expect(other).toEqual([])
    })

    it('reads each owner\'s log once per wake-up, however many readers share it', async () => {
      await open()
      const after = vi.spyOn(m.store, 'after')
      const counts = Array.from({ length: 50 }, () => ({ n: 0 }))
      for (const c of counts) await tails.join('alice', { receive: () => { c.n++ } })
      const { event } = await add(m.store)
      await m.bus.publish(event)
      await vi.waitFor(() => expect(counts.every((c) => c.n === 1)).toBe(true), { timeout: 5000 })
      expect(after).toHaveBeenCalledTimes(1)
    })

    it('stops reading an owner once its last reader left', async () => {
      await open(50)
      const leave = await tails.join('alice', { receive: () => {} })
      expect(tails.size()).toBe(1)
      leave()
      leave()
      expect(tails.size()).toBe(0)
    })
  })
}
