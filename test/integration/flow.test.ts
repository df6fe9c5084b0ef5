import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { bearer, createTask, getTask, startStack, type Stack } from '../helper.ts'
import { openSse } from '../sse-client.ts'

let stack: Stack
beforeEach(async () => { stack = await startStack() })
afterEach(async () => { await stack.close() })

describe('video scoring from REST call to SSE event', () => {
  it('streams task.queued to task.succeeded with an audio URL that downloads', async () => {
    const task = await createTask(stack, { prompt: 'calm piano', duration: 6 })
    expect(task).toMatchObject({ capability: 'video-scoring', status: 'queued', outputs: [], error: null, input: { prompt: 'calm piano', duration: 6 } })

    const sse = await openSse(`${stack.url}/v1/tasks/${task.id}/events`, bearer())
    expect(sse.status).toBe(200)
    expect(sse.headers.get('content-type')).toMatch(/^text\/event-stream/)
    expect(sse.headers.get('cache-control')).toBe('no-store')
    expect(sse.headers.get('x-accel-buffering')).toBe('no')
    await sse.ended // the per-task stream ends after the terminal event

    expect(sse.frames[0]?.retry).toBeDefined()
    const events = sse.events()
    expect(events[0]!.event).toBe('task.queued')
    const last = events.at(-1)!
    expect(last.event).toBe('task.succeeded')
    expect(last.data).toMatchObject({ id: task.id, status: 'succeeded', progress: 100, error: null })
    expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id)].sort((a, b) => a - b))

    const [output] = last.data.outputs
    expect(output?.type).toBe('audio')
    const audio = await fetch(output!.url)
    expect(audio.status).toBe(200)
    expect(audio.headers.get('content-type')).toMatch(/^audio\//)
    const bytes = Buffer.from(await audio.arrayBuffer())
    expect(bytes.subarray(0, 4).toString('ascii')).toBe('RIFF')
    expect(bytes.length).toBeGreaterThan(10_000)

    expect((await getTask(stack, task.id)).body.status).toBe('succeeded')
  })

  it('sends the upstream body with the official and the skill field names, the callback and params', async () => {
    const task = await createTask(stack, { prompt: 'lofi #hang', duration: 30 })
    const sent = [...stack.sim.simulator.tasks.values()].find((t) => t.body.params === task.id)
    expect(sent?.endpoint).toBe('tm_video_scoring')
    expect(sent?.body).toMatchObject({ file_link: 'https://example.com/clip.mp4', video: 'https://example.com/clip.mp4', prompt: 'lofi #hang', duration: 30, params: task.id })
    const callback = new URL(String(sent?.body.callback))
    expect(`${callback.origin}${callback.pathname}`).toBe(`${stack.url}/webhooks/tomoviee`)
    expect(callback.searchParams.get('task')).toBe(task.id)
    expect(callback.searchParams.get('token')).toMatch(/^[\w-]{43}$/)
  })

  it('shows rising progress when the gateway calls back while processing (the demo simulator does)', async () => {
    await stack.close()
    stack = await startStack({ sim: { progressCallbacks: true, progressSteps: 3, processMs: 300 } })
    const task = await createTask(stack, { prompt: 'with progress' })
    const sse = await openSse(`${stack.url}/v1/tasks/${task.id}/events`, bearer())
    await sse.ended
    const events = sse.events()
    const progress = events.filter((e) => e.event === 'task.processing').map((e) => e.data.progress)
    expect(progress.length).toBeGreaterThanOrEqual(2)
    expect(progress).toEqual([...progress].sort((a, b) => a - b))
    expect(new Set(progress).size).toBe(progress.length)
    expect(events.at(-1)).toMatchObject({ event: 'task.succeeded', data: { progress: 100 } })
  })

  it('reports a failed generation with its reason', async () => {
    const task = await createTask(stack, { prompt: 'anything #fail' })
    const sse = await openSse(`${stack.url}/v1/tasks/${task.id}/events`, bearer())
    await sse.ended
    const last = sse.events().at(-1)!
    expect(last.event).toBe('task.failed')
    expect(last.data.error).toEqual({ code: 'BFF_ERR_TASK_FAILED', message: 'Simulated failure' })
    expect(last.data.outputs).toEqual([])
  })

  it('reports an upstream timeout as timed_out', async () => {
    const task = await createTask(stack, { prompt: 'anything #timeout' })
    const sse = await openSse(`${stack.url}/v1/tasks/${task.id}/events`, bearer())
    await sse.ended
    const last = sse.events().at(-1)!
    expect(last.event).toBe('task.timed_out')
    expect(last.data.error?.code).toBe('BFF_ERR_TASK_TIMED_OUT')
  })

  it('answers 503 with the task id and fails the task when the gateway is unreachable', async () => {
    await stack.close()
    stack = await startStack({ env: { TOMOVIEE_BASE_URL: 'http://127.0.0.1:9' } })
    const res = await fetch(`${stack.url}/v1/tasks/video-scoring`, {
      method: 'POST',
      headers: { ...bearer(), 'content-type': 'application/json' },
      body: JSON.stringify({ videoUrl: 'https://example.com/a.mp4', prompt: 'x' })
    })
    expect(res.status).toBe(503)
    const body = await res.json() as { code: string, taskId: string }
    expect(body.code).toBe('BFF_ERR_UPSTREAM_UNAVAILABLE')
    const task = await getTask(stack, body.taskId)
    expect(task.body).toMatchObject({ status: 'failed', error: { code: 'BFF_ERR_UPSTREAM_UNAVAILABLE' } })
  })
})
