import { describe, expect, it } from 'vitest'
import { KILL_SEAM_VARIABLE, killSeamFrom, withKillAtPublish } from '../../src/bus/kill-seam.ts'
import { createMemoryEventBus } from '../../src/bus/memory.ts'
import type { TaskEvent } from '../../src/tasks/model.ts'

const event = (id: number): TaskEvent => ({ id, type: 'task.processing', owner: 'alice', task: { id: 't1' } } as unknown as TaskEvent)

describe('kill seam (a test seam, issue #11)', () => {
  it('is armed only with NODE_ENV=test and a positive count', () => {
    expect(killSeamFrom({ NODE_ENV: 'test', [KILL_SEAM_VARIABLE]: '3' })).toBe(3)
    for (const NODE_ENV of ['production', 'development', undefined, 'TEST', 'test ']) {
      expect(killSeamFrom({ NODE_ENV, [KILL_SEAM_VARIABLE]: '3' }), String(NODE_ENV)).toBeUndefined()
    }
    for (const raw of [undefined, '', '0', '-1', '2.5', 'yes']) {
      expect(killSeamFrom({ NODE_ENV: 'test', [KILL_SEAM_VARIABLE]: raw }), String(raw)).toBeUndefined()
    }
  })

  it('publishes every event but the n-th, which it kills for instead', async () => {
    const bus = createMemoryEventBus()
    const got: number[] = []
    bus.subscribe('alice', (e) => got.push(e.id))
    let kills = 0
    const seamed = withKillAtPublish(bus, 2, () => { kills++ })
    for (const id of [1, 2, 3]) await seamed.publish(event(id))
    expect(got).toEqual([1, 3])
    expect(kills).toBe(1)
  })
})
