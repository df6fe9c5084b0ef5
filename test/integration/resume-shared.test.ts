import { describe, expect, it } from 'vitest'
import { bearer, createTask, eventually, getTask, startStack, type Stack } from '../helper.ts'
import { dropPrefix, REDIS_URL, redisAvailable, testPrefix } from '../redis-helper.ts'
import { openSse } from '../sse-client.ts'

const available = await redisAvailable()
const modes: [string, boolean, () => Record<string, string>][] = [
  ['sqlite', true, () => ({})],
  ['redis', available, () => ({ REDIS_URL, REDIS_PREFIX: testPrefix() })]
]
const STREAMS = 10
// Three replay pages of 100: two full ones and the log's end.
const SEEDED = 250

/** Writes `count` further events of a finished task straight through the store. */
async function seedEvents (s: Stack, taskId: string, count: number): Promise<void> {
  let task = (await s.bff.taskStore.get(taskId))!
  const writes = []
  for (let i = 0; i < count; i++) {
    task = { ...task, version: task.version + 1, updatedAt: new Date().toISOString() }
    writes.push(s.bff.taskStore.update(task, true))
  }
  for (const written of await Promise.all(writes)) expect(written).not.toBeNull()
}

// After a restart every stream of an owner comes back with the same Last-Event-ID: the streams
// share the log reads of their replay instead of each running the same queries.
describe.each(modes)('resumes from the same id (%s)', (_mode, enabled, env) => {
  it.skipIf(!enabled)('share one store read per page, and each stream gets exactly the events after its id, then the live ones', async () => {
    const vars = env()
    const stack = await startStack({ env: vars })
    try {
      const s = stack
      const first = await createTask(s, { prompt: 'history' })
      await eventually(() => getTask(s, first.id), (r) => r.body.status === 'succeeded', 10_000)
      const from = await s.bff.eventLog.lastId()
      await seedEvents(s, first.id, SEEDED)
      const missed = (await s.bff.eventLog.after({ owner: 'alice' }, from, 1000)).map((e) => e.id)
      expect(missed).toHaveLength(SEEDED)

      const reads = new Map<number, number>()
      const afterStored = s.bff.eventLog.afterStored.bind(s.bff.eventLog)
      s.bff.eventLog.afterStored = async (filter, afterId, limit) => {
        if (filter.owner === 'alice' && filter.taskId === undefined) reads.set(afterId, (reads.get(afterId) ?? 0) + 1)
        return await afterStored(filter, afterId, limit)
      }

      const streams = await Promise.all(Array.from({ length: STREAMS }, async () =>
        openSse(`${s.url}/v1/events`, { ...bearer(), 'last-event-id': String(from) })))
      await Promise.all(streams.map((sse) => sse.waitFor((f) => f.id === String(missed.at(-1)), 20_000)))
      // Pages start after the resume's id and after each full page's last id.
      expect([...reads.keys()]).toEqual([from, missed[99], missed[199]])
      expect([...reads.values()]).toEqual([1, 1, 1])

      const live = await createTask(s, { prompt: 'after the resumes' })
      await eventually(() => getTask(s, live.id), (r) => r.body.status === 'succeeded', 10_000)
      const all = (await s.bff.eventLog.after({ owner: 'alice' }, from, 1000)).map((e) => e.id)
      await Promise.all(streams.map((sse) => sse.waitFor((f) => f.id === String(all.at(-1)), 10_000)))
      for (const sse of streams) {
        sse.close()
        expect(sse.events().map((e) => e.id)).toEqual(all)
        expect(sse.frames.some((f) => f.event === 'tasks.reset')).toBe(false)
      }
    } finally {
      await stack.close()
      if (vars.REDIS_PREFIX) await dropPrefix(vars.REDIS_PREFIX)
    }
  }, 60_000)
})
