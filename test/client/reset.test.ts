import { describe, expect, it } from 'vitest'
import type { ResetEvent } from '../../packages/client/src/index.ts'
import { eventually, startStack } from '../helper.ts'
import { dropPrefix, REDIS_URL, redisAvailable, testPrefix } from '../redis-helper.ts'
import { clientFor, collect } from './helpers.ts'

const available = await redisAvailable()

describe.skipIf(!available)('watch in distributed mode, resuming past the kept history', () => {
  it('delivers task.reset and tasks.reset as reset items and to onReset', async () => {
    const prefix = testPrefix()
    // Redis trims streams by whole nodes of 100 entries, so one task makes over 100 events.
    const stack = await startStack({
      sim: { progressCallbacks: true, progressSteps: 100, queueMs: 10, processMs: 2000 },
      env: { REDIS_URL, REDIS_PREFIX: prefix, EVENT_HISTORY_PER_OWNER: '1', EVENT_HISTORY_PER_TASK: '1' }
    })
    try {
      const client = clientFor(stack)
      const task = await client.createTask('text-to-speech', { text: 'many steps' })
      await eventually(() => client.getTask(task.id), (t) => t.status === 'succeeded', 10_000)

      const resets: ResetEvent[] = []
      const events = await collect(client.watch(task.id, { lastEventId: 1, onReset: (e) => resets.push(e) }))
      expect(events).toEqual([{ id: expect.any(Number), type: 'reset', tasks: [expect.objectContaining({ id: task.id, status: 'succeeded' })] }])
      expect(resets).toEqual(events)

      const all = await collect(client.watch('all', { lastEventId: 1 }), () => true)
      expect(all).toEqual([{ id: events[0]!.id, type: 'reset', tasks: [] }])
    } finally {
      await stack.close()
      await dropPrefix(prefix)
    }
  }, 20_000)
})
