import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { EventBus } from '../../src/bus/types.ts'
import { toPublicTask, type TaskEvent } from '../../src/tasks/model.ts'
import { makeTask } from '../store/fixtures.ts'

export interface BusHarness {
  bus: EventBus
  /** Another instance on the same medium (a second BFF), for buses that span processes. */
  peer?: EventBus | undefined
  close: () => Promise<void>
}
export type OpenBus = (onError: (err: unknown) => void) => Promise<BusHarness>

let nextId = 0
export const eventFor = (owner: string): TaskEvent => {
  const task = makeTask({ owner })
  return { id: ++nextId, owner, type: 'task.queued', task: toPublicTask(task) }
}

/** A listener that records what it gets. */
export function recorder (): { seen: TaskEvent[], listener: (e: TaskEvent) => void } {
  const seen: TaskEvent[] = []
  return { seen, listener: (e) => { seen.push(e) } }
}

// Delivery may be asynchronous (Redis); ordering on one owner is what lets a test prove a non-delivery.
const arrives = async (check: () => void): Promise<void> => { await vi.waitFor(check, { timeout: 2000, interval: 10 }) }

/** The behaviour every EventBus must have. */
export function runBusContract (name: string, open: OpenBus, opts: { crossInstance: boolean, skip?: boolean }): void {
  describe.skipIf(opts.skip ?? false)(`bus contract: ${name}`, () => {
    let h: BusHarness
    let errors: unknown[]
    const ready = async (bus: EventBus, owner: string): Promise<void> => { await bus.ready?.(owner) }
    beforeEach(async () => {
      errors = []
      h = await open((err) => { errors.push(err) })
    })
    afterEach(async () => { await h.close() })

    it('delivers an event to every listener of its owner, and only to them', async () => {
      const [a1, a2, b] = [recorder(), recorder(), recorder()]
      h.bus.subscribe('alice', a1.listener)
      h.bus.subscribe('alice', a2.listener)
      h.bus.subscribe('bob', b.listener)
      await ready(h.bus, 'alice')
      await ready(h.bus, 'bob')
      const forAlice = eventFor('alice')
      const forBob = eventFor('bob')
      await h.bus.publish(forAlice)
      await h.bus.publish(forBob)
      await arrives(() => expect(b.seen).toEqual([forBob]))
      await arrives(() => expect(a2.seen).toEqual([forAlice]))
      expect(a1.seen).toEqual([forAlice])
      await h.bus.publish(eventFor('carol'))
      expect(errors).toEqual([])
    })

    it('stops delivering to a listener that unsubscribed, and subscribes again after the last one left', async () => {
      const [a, b, c] = [recorder(), recorder(), recorder()]
      const offA = h.bus.subscribe('alice', a.listener)
      const offB = h.bus.subscribe('alice', b.listener)
      await ready(h.bus, 'alice')
      offA()
      offA()
      const e1 = eventFor('alice')
      await h.bus.publish(e1)
      await arrives(() => expect(b.seen).toEqual([e1]))
      expect(a.seen).toEqual([])
      offB()
      h.bus.subscribe('alice', c.listener)
      await ready(h.bus, 'alice')
      const e2 = eventFor('alice')
      await h.bus.publish(e2)
      await arrives(() => expect(c.seen).toEqual([e2]))
      expect(a.seen).toEqual([])
      expect(b.seen).toEqual([e1])
    })

    it('keeps delivering to the others when a listener throws', async () => {
      const boom = new Error('listener failed')
      const good = recorder()
      h.bus.subscribe('alice', () => { throw boom })
      h.bus.subscribe('alice', good.listener)
      await ready(h.bus, 'alice')
      const e1 = eventFor('alice')
      const e2 = eventFor('alice')
      await expect(h.bus.publish(e1)).resolves.toBeUndefined()
      await h.bus.publish(e2)
      await arrives(() => expect(good.seen).toEqual([e1, e2]))
      expect(errors).toEqual([boom, boom])
    })

    it('delivers nothing once closed', async () => {
      const a = recorder()
      h.bus.subscribe('alice', a.listener)
      await ready(h.bus, 'alice')
      await h.bus.close()
      await h.bus.publish(eventFor('alice')).catch(() => {})
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(a.seen).toEqual([])
    })

    // Only buses that span processes have another instance to reach; the test is not declared otherwise.
    if (opts.crossInstance) {
      it('reaches listeners on another instance, both ways', async () => {
        const peer = h.peer!
        const [here, there] = [recorder(), recorder()]
        h.bus.subscribe('alice', here.listener)
        peer.subscribe('alice', there.listener)
        await ready(h.bus, 'alice')
        await ready(peer, 'alice')
        const e1 = eventFor('alice')
        const e2 = eventFor('alice')
        await h.bus.publish(e1)
        await peer.publish(e2)
        await arrives(() => expect(there.seen).toEqual([e1, e2]))
        await arrives(() => expect(here.seen).toEqual([e1, e2]))
      })
    }
  })
}
