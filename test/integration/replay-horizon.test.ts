import { describe, expect, it } from 'vitest'
import { bearer, createTask, eventually, getTask, startStack, type Stack } from '../helper.ts'
import { dropPrefix, REDIS_URL, redisAvailable, testPrefix } from '../redis-helper.ts'
import { openSse } from '../sse-client.ts'

const available = await redisAvailable()
const HORIZON = 3

const modes: [string, boolean, () => Record<string, string>][] = [
  ['sqlite', true, () => ({})],
  ['redis', available, () => ({ REDIS_URL, REDIS_PREFIX: testPrefix() })]
]

/** Every event id of the owner, oldest first, from a full replay of a store that keeps them all. */
async function allIds (stack: Stack): Promise<number[]> {
  const ids = (await stack.bff.eventLog.after({ owner: 'alice' }, 0, 1000)).map((e) => e.id)
  return ids
}

describe.each(modes)('replay horizon (%s)', (_mode, enabled, env) => {
  it.skipIf(!enabled)('resets a resume older than SSE_REPLAY_HORIZON events, and replays one within it', async () => {
    const vars = env()
    const stack = await startStack({ env: { SSE_REPLAY_HORIZON: String(HORIZON), ...vars } })
    try {
      const tasks = [await createTask(stack, { prompt: 'a' }), await createTask(stack, { prompt: 'b' }), await createTask(stack, { prompt: 'c' })]
      await eventually(async () => Promise.all(tasks.map((t) => getTask(stack, t.id))), (rs) => rs.every((r) => r.body.status === 'succeeded'), 10_000)
      const ids = await allIds(stack)
      expect(ids.length).toBeGreaterThan(HORIZON + 1)
      const newest = ids.at(-1)!

      // One event too many: a reset carrying the current state (no unfinished task) and the newest id.
      const old = await openSse(`${stack.url}/v1/events`, { ...bearer(), 'last-event-id': String(ids.at(-HORIZON - 2)!) })
      const reset = await old.waitFor((f) => f.event === 'tasks.reset')
      old.close()
      expect(Number(reset.id)).toBe(newest)
      expect(JSON.parse(reset.data!)).toEqual({ reason: 'replay horizon', tasks: [] })
      expect(old.events().filter((e) => e.event.startsWith('task.'))).toEqual([])

      // Exactly the horizon: replayed as usual.
      const recent = await openSse(`${stack.url}/v1/events`, { ...bearer(), 'last-event-id': String(ids.at(-HORIZON - 1)!) })
      await recent.waitFor((f) => f.id === String(newest))
      recent.close()
      expect(recent.events().map((e) => e.id)).toEqual(ids.slice(-HORIZON))
      expect(recent.frames.some((f) => f.event === 'tasks.reset')).toBe(false)

      // A task's own stream: its two events fit, so a resume from 0 replays them ...
      const first = tasks[0]!
      const full = await openSse(`${stack.url}/v1/tasks/${first.id}/events`, { ...bearer(), 'last-event-id': '0' })
      await full.ended
      expect(full.events().map((e) => e.event)).toEqual(['task.queued', 'task.succeeded'])
    } finally {
      await stack.close()
      if (vars.REDIS_PREFIX) await dropPrefix(vars.REDIS_PREFIX)
    }
  }, 30_000)

  it.skipIf(!enabled)('resets a task stream resumed from before its horizon with the task as it is now', async () => {
    const vars = env()
    const stack = await startStack({ env: { SSE_REPLAY_HORIZON: '1', ...vars } })
    try {
      const task = await createTask(stack, { prompt: 'one' })
      await eventually(() => getTask(stack, task.id), (r) => r.body.status === 'succeeded', 10_000)
      const sse = await openSse(`${stack.url}/v1/tasks/${task.id}/events`, { ...bearer(), 'last-event-id': '0' })
      await sse.ended
      expect(sse.frames.filter((f) => f.event !== undefined).map((f) => f.event)).toEqual(['task.reset'])
      expect(JSON.parse(sse.frames.find((f) => f.event === 'task.reset')!.data!)).toMatchObject({ id: task.id, status: 'succeeded' })
    } finally {
      await stack.close()
      if (vars.REDIS_PREFIX) await dropPrefix(vars.REDIS_PREFIX)
    }
  }, 30_000)
})
