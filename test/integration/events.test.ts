import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ALICE, BOB, bearer, createTask, eventually, getTask, startStack, type Stack } from '../helper.ts'
import { openSse } from '../sse-client.ts'

let stack: Stack
beforeEach(async () => { stack = await startStack() })
afterEach(async () => { await stack.close() })

async function ownerLog (who = ALICE, after = 0): Promise<{ id: number, event: string, taskId: string }[]> {
  const sse = await openSse(`${stack.url}/v1/events`, { ...bearer(who), 'last-event-id': String(after) })
  await sse.waitFor((f) => f.comments.includes('stream open'))
  await new Promise((resolve) => setTimeout(resolve, 100))
  sse.close()
  return sse.events().map((e) => ({ id: e.id, event: e.event, taskId: e.data.id }))
}

describe('GET /v1/events', () => {
  it('streams every task of the caller, starting with the state of unfinished ones', async () => {
    const parked = await createTask(stack, { prompt: 'parked #hang' })
    const sse = await openSse(`${stack.url}/v1/events`, bearer())
    const first = await sse.waitFor((f) => f.event === 'task.queued')
    expect(JSON.parse(first.data!).id).toBe(parked.id)

    const live = await createTask(stack, { prompt: 'live' })
    await sse.waitFor((f) => f.event === 'task.succeeded' && JSON.parse(f.data!).id === live.id)
    sse.close()
    const ids = sse.frames.filter((f) => f.id !== undefined).map((f) => Number(f.id))
    expect(ids).toEqual([...ids].sort((a, b) => a - b))
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('replays exactly the missed events after a reconnect with Last-Event-ID', async () => {
    const sse = await openSse(`${stack.url}/v1/events`, bearer())
    const t1 = await createTask(stack, { prompt: 'one #delay=400' })
    const seen = await sse.waitFor((f) => f.event === 'task.queued')
    sse.close() // the client drops after its first event
    await sse.ended
    const t2 = await createTask(stack, { prompt: 'two' })
    await eventually(async () => Promise.all([getTask(stack, t1.id), getTask(stack, t2.id)]), (ts) => ts.every((t) => t.body.status === 'succeeded'))

    const resumed = await openSse(`${stack.url}/v1/events`, { ...bearer(), 'last-event-id': seen.id! })
    await resumed.waitFor((f) => f.event === 'task.succeeded' && JSON.parse(f.data!).id === t1.id)
    await new Promise((resolve) => setTimeout(resolve, 100))
    resumed.close()

    const truth = (await ownerLog()).filter((e) => e.id > Number(seen.id))
    expect(truth.map((e) => e.event).sort()).toEqual(['task.queued', 'task.succeeded', 'task.succeeded'])
    expect(resumed.events().map((e) => ({ id: e.id, event: e.event, taskId: e.data.id }))).toEqual(truth)
  })

  it('accepts the cursor as a lastEventId query parameter too, and rejects a malformed one', async () => {
    const t = await createTask(stack, { prompt: 'q' })
    await eventually(() => getTask(stack, t.id), (r) => r.body.status === 'succeeded')
    const sse = await openSse(`${stack.url}/v1/tasks/${t.id}/events?lastEventId=0`, bearer())
    await sse.ended
    expect(sse.events().map((e) => e.event)).toEqual(['task.queued', 'task.succeeded'])

    const bad = await fetch(`${stack.url}/v1/events`, { headers: { ...bearer(), 'last-event-id': 'abc' } })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { code: string }).code).toBe('BFF_ERR_VALIDATION')
  })

  it('ends a resumed per-task stream at once when the terminal event was already seen', async () => {
    const t = await createTask(stack, { prompt: 'done' })
    const first = await openSse(`${stack.url}/v1/tasks/${t.id}/events`, bearer())
    await first.ended
    const lastId = first.events().at(-1)!.id
    const again = await openSse(`${stack.url}/v1/tasks/${t.id}/events`, { ...bearer(), 'last-event-id': String(lastId) })
    await again.ended
    expect(again.events()).toEqual([])
  })
})

describe('ownership', () => {
  it('keeps another owner from reading, listing or subscribing to a task', async () => {
    const t = await createTask(stack, { prompt: 'private #hang' })
    expect((await getTask(stack, t.id, BOB)).status).toBe(404)
    expect((await getTask(stack, 'no-such-id', BOB)).body).toMatchObject({ code: 'BFF_ERR_TASK_NOT_FOUND' })

    const list = await fetch(`${stack.url}/v1/tasks`, { headers: bearer(BOB) })
    expect(((await list.json()) as { items: unknown[] }).items).toEqual([])

    const sub = await fetch(`${stack.url}/v1/tasks/${t.id}/events`, { headers: bearer(BOB) })
    expect(sub.status).toBe(404)
    expect(await ownerLog(BOB)).toEqual([])
    expect((await ownerLog(ALICE)).map((e) => e.taskId)).toEqual([t.id])
  })

  it('requires a valid key on every /v1 route', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong-key-123' }, { authorization: 'Basic abc' }] as Record<string, string>[]) {
      const res = await fetch(`${stack.url}/v1/events`, { headers })
      expect(res.status).toBe(401)
      expect(((await res.json()) as { code: string }).code).toMatch(/^BFF_ERR_AUTH_(MISSING|INVALID)$/)
    }
  })
})
