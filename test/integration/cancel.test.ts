import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { BOB, bearer, callbackUrlOf, createTask, eventually, getTask, startStack, type Stack } from '../helper.ts'
import { openSse } from '../sse-client.ts'

const METRICS_TOKEN = 'cancel-metrics-token-0123'
let stack: Stack
// Callbacks are posted by hand in some tests, so they are not confirmed with the result endpoint.
beforeEach(async () => { stack = await startStack({ env: { WEBHOOK_VERIFY: 'false', METRICS_TOKEN } }) })
afterEach(async () => { await stack.close() })

async function cancel (id: string, who = undefined as undefined | typeof BOB): Promise<{ status: number, body: Record<string, unknown> }> {
  const res = await fetch(`${stack.url}/v1/tasks/${id}/cancel`, { method: 'POST', headers: bearer(who) })
  return { status: res.status, body: await res.json() as Record<string, unknown> }
}

async function postCallback (taskId: string, body: Record<string, unknown>): Promise<{ received: boolean, changed: boolean }> {
  const upstream = [...stack.sim.simulator.tasks.values()].find((t) => t.body.params === taskId)!.id
  const res = await fetch(callbackUrlOf(stack, taskId), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ task_id: upstream, params: taskId, ...body }) })
  return await res.json() as { received: boolean, changed: boolean }
}

async function duplicates (): Promise<number> {
  const text = await (await fetch(`${stack.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text()
  return Number(/bff_callbacks_total\{outcome="duplicate"\} (\d+)/.exec(text)?.[1] ?? 0)
}

describe('POST /v1/tasks/:id/cancel', () => {
  it('cancels a queued task at once, with a task.canceled event that says who canceled it', async () => {
    const task = await createTask(stack, { prompt: 'q #hang' })
    const sse = await openSse(`${stack.url}/v1/tasks/${task.id}/events`, bearer())
    const res = await cancel(task.id)
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ id: task.id, status: 'canceled', error: { code: 'BFF_ERR_TASK_CANCELED', message: 'Canceled by the owner (alice)' } })
    await sse.ended
    expect(sse.events().map((e) => e.event)).toEqual(['task.queued', 'task.canceled'])
    expect((await getTask(stack, task.id)).body.status).toBe('canceled')
  })

  it('cancels a processing task and keeps its progress', async () => {
    const task = await createTask(stack, { prompt: 'p #hang' })
    expect((await postCallback(task.id, { status: 2, progress: 40 })).changed).toBe(true)
    const res = await cancel(task.id)
    expect(res).toMatchObject({ status: 200, body: { status: 'canceled', progress: 40 } })
  })

  it('is idempotent: a second cancel answers the same task and adds no event', async () => {
    const task = await createTask(stack, { prompt: 'twice #hang' })
    const first = await cancel(task.id)
    const second = await cancel(task.id)
    expect(second).toEqual(first)
    const sse = await openSse(`${stack.url}/v1/tasks/${task.id}/events?lastEventId=0`, bearer())
    await sse.ended
    expect(sse.events().map((e) => e.event)).toEqual(['task.queued', 'task.canceled'])
  })

  it('answers 409 for a finished task and 404 for another owner\'s or a missing one', async () => {
    const done = await createTask(stack, { prompt: 'quick' })
    await eventually(async () => (await getTask(stack, done.id)).body.status, (s) => s === 'succeeded', 15_000)
    expect(await cancel(done.id)).toMatchObject({ status: 409, body: { code: 'BFF_ERR_TASK_FINISHED' } })
    expect((await getTask(stack, done.id)).body.status).toBe('succeeded')

    const alices = await createTask(stack, { prompt: 'mine #hang' })
    expect(await cancel(alices.id, BOB)).toMatchObject({ status: 404, body: { code: 'BFF_ERR_TASK_NOT_FOUND' } })
    expect(await cancel('no-such-task')).toMatchObject({ status: 404, body: { code: 'BFF_ERR_TASK_NOT_FOUND' } })
    expect((await getTask(stack, alices.id)).body.status).toBe('queued')
  })

  it('counts every later callback as a duplicate and changes nothing', async () => {
    const task = await createTask(stack, { prompt: 'late #hang' })
    await cancel(task.id)
    const before = await duplicates()
    expect(await postCallback(task.id, { status: 2, progress: 50 })).toEqual({ received: true, changed: false })
    expect(await postCallback(task.id, { status: 3, result: '{"audio_path":["https://cdn.example/a.mp3"]}' })).toEqual({ received: true, changed: false })
    expect(await duplicates()).toBe(before + 2)
    expect((await getTask(stack, task.id)).body).toMatchObject({ status: 'canceled', outputs: [] })
  })

  it('ignores the gateway\'s own completion callback after a cancel', async () => {
    const task = await createTask(stack, { prompt: 'runs on upstream' })
    await cancel(task.id)
    const sim = [...stack.sim.simulator.tasks.values()].find((t) => t.body.params === task.id)!
    await eventually(() => sim.callbacksSent, (n) => n >= 1, 15_000)
    await eventually(() => duplicates(), (n) => n >= 1)
    expect((await getTask(stack, task.id)).body.status).toBe('canceled')
  })
})
