import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { bearer, callbackUrlOf, createTask, eventually, getTask, startStack, type Stack } from '../helper.ts'
import { openSse } from '../sse-client.ts'

let stack: Stack
// These tests post callbacks by hand to exercise the handler itself; verification has its own suite.
beforeEach(async () => { stack = await startStack({ env: { WEBHOOK_VERIFY: 'false' } }) })
afterEach(async () => { await stack.close() })

const success = (upstreamId: string, params: string) => ({ task_id: upstreamId, status: 3, result: '{"audio_path":["https://cdn.example/forged.mp3"]}', params })

async function post (url: string, body: unknown, contentType = 'application/json'): Promise<{ status: number, body: { code?: string, changed?: boolean, issues?: unknown[] } }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body: typeof body === 'string' ? body : JSON.stringify(body) })
  return { status: res.status, body: await res.json() as { code?: string } }
}

async function allEvents (stack: Stack, taskId: string): Promise<{ id: number, event: string }[]> {
  const sse = await openSse(`${stack.url}/v1/tasks/${taskId}/events?lastEventId=0`, bearer())
  await new Promise((resolve) => setTimeout(resolve, 100))
  sse.close()
  return sse.events().map(({ id, event }) => ({ id, event }))
}

function upstreamIdOf (stack: Stack, taskId: string): string {
  return [...stack.sim.simulator.tasks.values()].find((t) => t.body.params === taskId)!.id
}

describe('POST /webhooks/tomoviee', () => {
  it('rejects forged callbacks (no token, wrong token, another task\'s token) and changes nothing', async () => {
    const a = await createTask(stack, { prompt: 'a #hang' })
    const b = await createTask(stack, { prompt: 'b #hang' })
    const urlA = new URL(callbackUrlOf(stack, a.id))
    const tokenB = new URL(callbackUrlOf(stack, b.id)).searchParams.get('token')!
    const base = `${stack.url}/webhooks/tomoviee`
    const before = await allEvents(stack, a.id)

    for (const url of [
      `${base}?task=${a.id}`,
      `${base}?task=${a.id}&token=${'x'.repeat(43)}`,
      `${base}?task=${a.id}&token=${tokenB}`,
      `${base}?task=no-such-task&token=${urlA.searchParams.get('token')}`,
      base
    ]) {
      const res = await post(url, success(upstreamIdOf(stack, a.id), a.id))
      expect(res.status).toBe(401)
      expect(res.body.code).toBe('BFF_ERR_WEBHOOK_UNAUTHORIZED')
    }
    expect((await getTask(stack, a.id)).body.status).toBe('queued')
    expect(await allEvents(stack, a.id)).toEqual(before)
  })

  it('answers 400 with a stable code for a malformed body from a valid URL', async () => {
    const task = await createTask(stack, { prompt: 'x #hang' })
    const url = callbackUrlOf(stack, task.id)
    expect(await post(url, '{not json')).toMatchObject({ status: 400, body: { code: 'BFF_ERR_WEBHOOK_INVALID' } })
    const missing = await post(url, { status: 3 })
    expect(missing).toMatchObject({ status: 400, body: { code: 'BFF_ERR_WEBHOOK_INVALID' } })
    expect(missing.body.issues).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'task_id' })]))
    expect(await post(url, { task_id: upstreamIdOf(stack, task.id), status: 9 })).toMatchObject({ status: 400 })
    expect(await post(url, success('another-upstream-id', task.id))).toMatchObject({ status: 400, body: { code: 'BFF_ERR_WEBHOOK_INVALID' } })
    expect(await post(url, 'x'.repeat(70_000))).toMatchObject({ status: 413, body: { code: 'BFF_ERR_PAYLOAD_TOO_LARGE' } })
    expect((await getTask(stack, task.id)).body.status).toBe('queued')
  })

  it('accepts result as an object as well as a JSON string', async () => {
    const task = await createTask(stack, { prompt: 'x #hang' })
    const res = await post(callbackUrlOf(stack, task.id), { task_id: upstreamIdOf(stack, task.id), status: 3, result: { audio_path: ['https://cdn.example/a.mp3'] }, params: task.id })
    expect(res).toEqual({ status: 200, body: { received: true, changed: true } })
    expect((await getTask(stack, task.id)).body).toMatchObject({ status: 'succeeded', outputs: [{ type: 'audio', url: 'https://cdn.example/a.mp3' }] })
  })

  it('fails a task whose success carries no usable result', async () => {
    const task = await createTask(stack, { prompt: 'x #hang' })
    await post(callbackUrlOf(stack, task.id), { task_id: upstreamIdOf(stack, task.id), status: 3, result: '{"audio_path":[]}' })
    expect((await getTask(stack, task.id)).body).toMatchObject({ status: 'failed', error: { code: 'BFF_ERR_TASK_BAD_RESULT' } })
  })

  it('ignores duplicate callbacks: one task.succeeded, nothing after it', async () => {
    const task = await createTask(stack, { prompt: 'twice #double-callback' })
    const sim = [...stack.sim.simulator.tasks.values()].find((t) => t.body.params === task.id)!
    await eventually(() => sim.callbacksSent, (n) => n >= 2)
    const events = await allEvents(stack, task.id)
    expect(events.map((e) => e.event)).toEqual(['task.queued', 'task.succeeded'])
  })

  it('ignores an older status that arrives after a newer one', async () => {
    const task = await createTask(stack, { prompt: 'late #stale-callback' })
    const sim = [...stack.sim.simulator.tasks.values()].find((t) => t.body.params === task.id)!
    await eventually(() => sim.callbacksSent, (n) => n >= 2)
    expect((await allEvents(stack, task.id)).map((e) => e.event)).toEqual(['task.queued', 'task.succeeded'])
    expect((await getTask(stack, task.id)).body.status).toBe('succeeded')
  })

  it('sorts callbacks arriving together: valid ones applied, forged ones refused, a stale one acknowledged', async () => {
    const [stale, ...fresh] = await Promise.all([0, 1, 2].map((i) => createTask(stack, { prompt: `batch ${i} #hang` })))
    const progress = (taskId: string, p: number) => ({ task_id: upstreamIdOf(stack, taskId), status: 2, progress: p, params: taskId })
    const staleUrl = callbackUrlOf(stack, stale!.id)
    expect((await post(staleUrl, progress(stale!.id, 50))).body.changed).toBe(true)
    const staleToken = new URL(staleUrl).searchParams.get('token')!
    const base = `${stack.url}/webhooks/tomoviee`
    // Sent at once, so the authorization reads share write batches with the valid callbacks' writes.
    const results = await Promise.all([
      ...fresh.map((t) => post(callbackUrlOf(stack, t.id), progress(t.id, 30))),
      post(`${base}?task=${fresh[0]!.id}&token=${staleToken}`, progress(fresh[0]!.id, 90)),
      post(`${base}?task=no-such-task&token=${staleToken}`, progress(stale!.id, 90)),
      post(staleUrl, progress(stale!.id, 10))
    ])
    expect(results.map((r) => [r.status, r.body.changed ?? r.body.code])).toEqual([
      [200, true], [200, true], [401, 'BFF_ERR_WEBHOOK_UNAUTHORIZED'], [401, 'BFF_ERR_WEBHOOK_UNAUTHORIZED'], [200, false]
    ])
    for (const t of fresh) expect((await getTask(stack, t.id)).body).toMatchObject({ status: 'processing', progress: 30 })
    expect((await getTask(stack, stale!.id)).body).toMatchObject({ status: 'processing', progress: 50 })
  })

  it('leaves a terminal task alone when a callback repeats with another status', async () => {
    const task = await createTask(stack, { prompt: 'x #hang' })
    const url = callbackUrlOf(stack, task.id)
    const up = upstreamIdOf(stack, task.id)
    expect((await post(url, { task_id: up, status: 4, reason: 'bad input' })).body.changed).toBe(true)
    expect((await post(url, success(up, task.id))).body).toEqual({ received: true, changed: false })
    expect((await getTask(stack, task.id)).body).toMatchObject({ status: 'failed', error: { message: 'bad input' } })
  })
})
