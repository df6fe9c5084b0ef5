import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { buildSimulator, type SimulatorOptions } from '../../src/providers/tomoviee/simulator/app.ts'
import { APP_KEY, APP_SECRET, authHeaders, waitFor } from './helpers.ts'

const CREATE = '/v1/open/capacity/application/tm_video_scoring'
const RESULT = '/v1/open/pub/task'
const BODY = { file_link: 'https://example.com/a.mp4', video: 'https://example.com/a.mp4', prompt: 'calm piano', duration: 5 }

let app: FastifyInstance | undefined

async function sim (extra: Partial<SimulatorOptions> = {}): Promise<FastifyInstance> {
  app = await buildSimulator({ appKey: APP_KEY, appSecret: APP_SECRET, queueMs: 20, processMs: 60, ...extra })
  return app
}

afterEach(async () => {
  await app?.close()
  app = undefined
})

describe('authentication', () => {
  it.each([
    ['no headers', {}],
    ['a wrong secret', authHeaders(APP_KEY, 'nope')],
    ['a wrong X-App-Key', { ...authHeaders(), 'x-app-key': 'other' }],
    ['no X-App-Key', { authorization: authHeaders().authorization ?? '', 'content-type': 'application/json' }],
    ['a Bearer token', { ...authHeaders(), authorization: 'Bearer abc' }],
    ['the documented space after the colon', { ...authHeaders(), authorization: `Basic ${Buffer.from(`${APP_KEY}: ${APP_SECRET}`).toString('base64')}` }]
  ])('rejects %s with 401 on both routes', async (_name, headers) => {
    const s = await sim()
    const create = await s.inject({ method: 'POST', url: CREATE, headers, payload: BODY })
    expect(create.statusCode).toBe(401)
    expect(create.json()).toEqual({ code: 401, msg: 'Authentication failed' })
    const result = await s.inject({ method: 'POST', url: RESULT, headers, payload: { task_id: 'x' } })
    expect(result.statusCode).toBe(401)
    expect(result.json()).toEqual({ code: 401, msg: 'Authentication failed' })
    expect(s.simulator.tasks.size).toBe(0)
    expect(s.simulator.counts).toMatchObject({ create: 1, result: 1 })
  })

  it('checks credentials before the capability name', async () => {
    const s = await sim()
    const res = await s.inject({ method: 'POST', url: '/v1/open/capacity/application/tm_nope', payload: BODY })
    expect(res.statusCode).toBe(401)
  })
})

describe('create', () => {
  it('answers 200 with an opaque 32-hex task_id and records the task', async () => {
    const s = await sim()
    const res = await s.inject({ method: 'POST', url: CREATE, headers: authHeaders(), payload: { ...BODY, extra: 'kept' } })
    expect(res.statusCode).toBe(200)
    const json = res.json<{ code: number, msg: string, data: { task_id: string } }>()
    expect(json.code).toBe(0)
    expect(json.msg).toBe('success')
    expect(json.data.task_id).toMatch(/^[0-9a-f]{32}$/)
    const task = s.simulator.tasks.get(json.data.task_id)
    expect(task).toMatchObject({ endpoint: 'tm_video_scoring', status: 1, progress: 0, callbacksSent: 0 })
    expect(task?.body).toEqual({ ...BODY, extra: 'kept' })
    const again = await s.inject({ method: 'POST', url: CREATE, headers: authHeaders(), payload: BODY })
    expect(again.json<{ data: { task_id: string } }>().data.task_id).not.toBe(json.data.task_id)
    expect(s.simulator.counts).toMatchObject({ create: 2, result: 0 })
  })

  it('answers 404 for an unknown capability', async () => {
    const s = await sim()
    const res = await s.inject({ method: 'POST', url: '/v1/open/capacity/application/tm_nope', headers: authHeaders(), payload: BODY })
    expect(res.statusCode).toBe(404)
    expect(res.json()).toEqual({ code: 404, msg: 'Unknown capability: tm_nope' })
  })

  it.each([
    ['a missing video', { prompt: 'x' }, 'Invalid parameters: file_link: file_link or video is required'],
    ['a bad duration', { ...BODY, duration: 4 }, 'Invalid parameters: duration: Too small: expected number to be >=5'],
    ['a non-string callback', { ...BODY, callback: 42 }, 'Invalid parameters: callback: Invalid input: expected string, received number'],
    ['a non-string params', { ...BODY, params: { a: 1 } }, 'Invalid parameters: params: Invalid input: expected string, received object'],
    ['the public (camelCase) input shape', { videoUrl: 'https://example.com/a.mp4', prompt: 'x' }, 'Invalid parameters: file_link: file_link or video is required'],
    ['an array body', [BODY], 'Invalid parameters: (body): Invalid input: expected object, received array']
  ])('answers 400 for %s', async (_name, payload, msg) => {
    const s = await sim()
    const res = await s.inject({ method: 'POST', url: CREATE, headers: authHeaders(), payload })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ code: 400, msg })
    expect(s.simulator.tasks.size).toBe(0)
  })

  it('answers 400 envelopes for non-JSON content types, bad JSON and a missing body', async () => {
    const s = await sim()
    const xml = await s.inject({ method: 'POST', url: CREATE, headers: { ...authHeaders(), 'content-type': 'application/xml' }, payload: '<a/>' })
    expect(xml.statusCode).toBe(400)
    expect(xml.json()).toMatchObject({ code: 400, msg: expect.stringMatching(/^Invalid parameters: /) })
    const text = await s.inject({ method: 'POST', url: CREATE, headers: { ...authHeaders(), 'content-type': 'text/plain' }, payload: JSON.stringify(BODY) })
    expect(text.json()).toEqual({ code: 400, msg: 'Invalid parameters: Content-Type must be application/json' })
    const bad = await s.inject({ method: 'POST', url: CREATE, headers: authHeaders(), payload: '{"prompt":' })
    expect(bad.statusCode).toBe(400)
    expect(bad.json()).toMatchObject({ code: 400, msg: expect.stringMatching(/^Invalid parameters: /) })
    const { 'content-type': _ct, ...noType } = authHeaders()
    const none = await s.inject({ method: 'POST', url: CREATE, headers: noType })
    expect(none.statusCode).toBe(400)
    expect(none.json()).toEqual({ code: 400, msg: 'Invalid parameters: Content-Type must be application/json' })
    expect(s.simulator.tasks.size).toBe(0)
  })
})

describe('result endpoint', () => {
  it('answers 404 for an unknown task and 400 without a task_id', async () => {
    const s = await sim()
    const missing = await s.inject({ method: 'POST', url: RESULT, headers: authHeaders(), payload: { task_id: 'f'.repeat(32) } })
    expect(missing.statusCode).toBe(404)
    expect(missing.json()).toEqual({ code: 404, msg: 'task not found' })
    const bad = await s.inject({ method: 'POST', url: RESULT, headers: authHeaders(), payload: {} })
    expect(bad.statusCode).toBe(400)
    expect(bad.json()).toEqual({ code: 400, msg: 'Invalid parameters: task_id: Invalid input: expected string, received undefined' })
  })

  it('reports status 1 without result or reason, then status 3 with a JSON string result built from the Host header', async () => {
    const s = await sim()
    const created = await s.inject({ method: 'POST', url: CREATE, headers: { ...authHeaders(), host: 'sim.test:8080' }, payload: { ...BODY, qty: 2 } })
    const taskId = created.json<{ data: { task_id: string } }>().data.task_id
    const poll = async () => (await s.inject({ method: 'POST', url: RESULT, headers: authHeaders(), payload: { task_id: taskId } })).json<{ code: number, data: Record<string, unknown> }>()
    expect(await poll()).toEqual({ code: 0, msg: 'success', data: { task_id: taskId, status: 1, progress: 0 } })
    await waitFor(() => s.simulator.tasks.get(taskId)?.status === 3, 2000, 'success')
    const done = await poll()
    expect(done.data).toMatchObject({ task_id: taskId, status: 3, progress: 100 })
    expect(done.data.reason).toBeUndefined()
    expect(typeof done.data.result).toBe('string')
    expect(JSON.parse(String(done.data.result))).toEqual({
      audio_path: [`http://sim.test:8080/assets/${taskId}/0.wav`, `http://sim.test:8080/assets/${taskId}/1.wav`]
    })
    expect(s.simulator.counts.result).toBe(2)
    expect(s.simulator.counts.resultsByTask.get(taskId)).toBe(2)
  })

  it('prefers publicUrl for asset URLs and reports reasons for failed tasks', async () => {
    const s = await sim({ publicUrl: 'https://sim.example.com/base/' })
    const ok = await s.inject({ method: 'POST', url: CREATE, headers: authHeaders(), payload: BODY })
    const bad = await s.inject({ method: 'POST', url: CREATE, headers: authHeaders(), payload: { ...BODY, prompt: 'x #fail' } })
    const okId = ok.json<{ data: { task_id: string } }>().data.task_id
    const badId = bad.json<{ data: { task_id: string } }>().data.task_id
    await waitFor(() => s.simulator.tasks.get(okId)?.status === 3 && s.simulator.tasks.get(badId)?.status === 4, 2000, 'both tasks')
    const okData = (await s.inject({ method: 'POST', url: RESULT, headers: authHeaders(), payload: { task_id: okId } })).json<{ data: { result: string } }>().data
    expect(JSON.parse(okData.result)).toEqual({ audio_path: [`https://sim.example.com/base/assets/${okId}/0.wav`] })
    const badData = (await s.inject({ method: 'POST', url: RESULT, headers: authHeaders(), payload: { task_id: badId } })).json<{ data: Record<string, unknown> }>().data
    expect(badData).toEqual({ task_id: badId, status: 4, progress: 83, reason: 'Simulated failure' })
  })
})

describe('assets', () => {
  it('serves a playable WAV of the requested duration once the task succeeded, and 404 otherwise', async () => {
    const s = await sim({ queueMs: 0, processMs: 30 })
    const created = await s.inject({ method: 'POST', url: CREATE, headers: authHeaders(), payload: { ...BODY, duration: 5, qty: 2 } })
    const taskId = created.json<{ data: { task_id: string } }>().data.task_id
    expect((await s.inject(`/assets/${taskId}/0.wav`)).statusCode).toBe(404)
    await waitFor(() => s.simulator.tasks.get(taskId)?.status === 3, 2000, 'success')
    const first = await s.inject(`/assets/${taskId}/0.wav`)
    expect(first.statusCode).toBe(200)
    expect(first.headers['content-type']).toBe('audio/wav')
    expect(first.rawPayload.toString('ascii', 8, 12)).toBe('WAVE')
    expect(first.rawPayload.readUInt32LE(40)).toBe(5 * 22_050 * 2)
    const second = await s.inject(`/assets/${taskId}/1.wav`)
    expect(second.statusCode).toBe(200)
    expect(second.rawPayload.equals(first.rawPayload)).toBe(false)
    expect((await s.inject(`/assets/${taskId}/2.wav`)).json()).toEqual({ code: 404, msg: 'asset not found' })
    expect((await s.inject(`/assets/${taskId}/0.png`)).statusCode).toBe(404)
    expect((await s.inject(`/assets/${'0'.repeat(32)}/0.wav`)).statusCode).toBe(404)
  })

  it('answers byte ranges, so players can seek', async () => {
    const s = await sim({ queueMs: 0, processMs: 30 })
    const created = await s.inject({ method: 'POST', url: CREATE, headers: authHeaders(), payload: { ...BODY, duration: 5 } })
    const taskId = created.json<{ data: { task_id: string } }>().data.task_id
    await waitFor(() => s.simulator.tasks.get(taskId)?.status === 3, 2000, 'success')
    const url = `/assets/${taskId}/0.wav`
    const whole = await s.inject(url)
    expect(whole.headers['accept-ranges']).toBe('bytes')
    const size = whole.rawPayload.length
    const part = await s.inject({ url, headers: { range: 'bytes=100-199' } })
    expect(part.statusCode).toBe(206)
    expect(part.headers['content-range']).toBe(`bytes 100-199/${size}`)
    expect(part.rawPayload.equals(whole.rawPayload.subarray(100, 200))).toBe(true)
    const tail = await s.inject({ url, headers: { range: 'bytes=-10' } })
    expect(tail.rawPayload.equals(whole.rawPayload.subarray(size - 10))).toBe(true)
    const open = await s.inject({ url, headers: { range: `bytes=${size - 5}-` } })
    expect(open.rawPayload.length).toBe(5)
    const beyond = await s.inject({ url, headers: { range: `bytes=${size}-` } })
    expect(beyond.statusCode).toBe(416)
    expect(beyond.headers['content-range']).toBe(`bytes */${size}`)
    expect((await s.inject({ url, headers: { range: 'items=0-1' } })).statusCode).toBe(200)
  })

  it('answers 404 envelopes for unknown routes', async () => {
    const s = await sim()
    const res = await s.inject('/v1/nothing')
    expect(res.statusCode).toBe(404)
    expect(res.json()).toEqual({ code: 404, msg: 'Not found' })
  })
})

describe('options', () => {
  it('rejects missing credentials and bad timings', async () => {
    await expect(buildSimulator({ appKey: '', appSecret: 's' })).rejects.toThrow()
    await expect(buildSimulator({ appKey: 'k', appSecret: 's', queueMs: -1 })).rejects.toThrow()
    await expect(buildSimulator({ appKey: 'k', appSecret: 's', publicUrl: 'ftp://x' })).rejects.toThrow()
    await expect(buildSimulator({ appKey: 'k', appSecret: 's', callbackRetries: -1 })).rejects.toThrow()
    await expect(buildSimulator({ appKey: 'k', appSecret: 's', callbackRetries: 1.5 })).rejects.toThrow()
    await expect(buildSimulator({ appKey: 'k', appSecret: 's', callbackRetries: 101 })).rejects.toThrow()
    await expect(buildSimulator({ appKey: 'k', appSecret: 's', callbackRetryDelayMs: -1 })).rejects.toThrow()
  })

  it('closes promptly while tasks are in flight', async () => {
    const s = await sim({ queueMs: 60_000 })
    await s.inject({ method: 'POST', url: CREATE, headers: authHeaders(), payload: BODY })
    const started = Date.now()
    await s.close()
    expect(Date.now() - started).toBeLessThan(500)
  })
})
