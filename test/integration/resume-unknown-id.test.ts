import { describe, expect, it } from 'vitest'
import { bearer, createTask, eventually, getTask, startStack } from '../helper.ts'
import { dropPrefix, REDIS_URL, redisAvailable, testPrefix } from '../redis-helper.ts'
import { openSse } from '../sse-client.ts'

const available = await redisAvailable()
const modes: [string, boolean, () => Record<string, string>][] = [
  ['sqlite', true, () => ({})],
  ['redis', available, () => ({ REDIS_URL, REDIS_PREFIX: testPrefix() })]
]

// A client keeps its Last-Event-ID across a database that was replaced (a new volume, a restored
// backup, a flushed Redis): its id is beyond everything the log holds, and the new events, numbered
// from below it, would all be skipped as already seen. It must hear that its history is gone.
describe.each(modes)('a resume from an id the log never issued (%s)', (_mode, enabled, env) => {
  it.skipIf(!enabled)('gets a reset with the current state, then every new event', async () => {
    const vars = env()
    const stack = await startStack({ env: vars })
    try {
      const done = await createTask(stack, { prompt: 'before' })
      await eventually(() => getTask(stack, done.id), (r) => r.body.status === 'succeeded', 10_000)
      const newest = await stack.bff.eventLog.lastId()
      const beyond = String(newest + 1000)

      const owner = await openSse(`${stack.url}/v1/events`, { ...bearer(), 'last-event-id': beyond })
      const reset = await owner.waitFor((f) => f.event === 'tasks.reset')
      expect(Number(reset.id)).toBe(newest)
      expect(JSON.parse(reset.data!)).toEqual({ reason: 'unknown event id', tasks: [] })

      const later = await createTask(stack, { prompt: 'after' })
      await owner.waitFor((f) => f.event === 'task.succeeded' && f.data!.includes(later.id), 10_000)
      owner.close()
      expect(owner.events().filter((e) => e.data.id === later.id).map((e) => e.event)).toEqual(['task.queued', 'task.succeeded'])

      const task = await openSse(`${stack.url}/v1/tasks/${done.id}/events`, { ...bearer(), 'last-event-id': beyond })
      await task.ended
      expect(task.frames.filter((f) => f.event !== undefined).map((f) => f.event)).toEqual(['task.reset'])
      expect(JSON.parse(task.frames.find((f) => f.event === 'task.reset')!.data!)).toMatchObject({ id: done.id, status: 'succeeded' })
    } finally {
      await stack.close()
      if (vars.REDIS_PREFIX) await dropPrefix(vars.REDIS_PREFIX)
    }
  }, 30_000)
})
