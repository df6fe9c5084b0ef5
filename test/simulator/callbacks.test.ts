import type { FastifyInstance } from 'fastify'
import { request } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import { buildSimulator, type SimulatorOptions } from '../../src/simulator/app.ts'
import { APP_KEY, APP_SECRET, logCollector, postJson, sleep, startReceiver, waitFor, type Receiver } from './helpers.ts'

const BODY = { video: 'https://example.com/a.mp4', prompt: 'warm strings', duration: 6 }
// Lifecycle of one task is queueMs + processMs = 80 ms; this is comfortably past it.
const SETTLE_MS = 300

let app: FastifyInstance | undefined
let receiver: Receiver | undefined
let base = ''

async function start (opts: { answer?: () => number | null, sim?: Partial<SimulatorOptions> } = {}): Promise<{ app: FastifyInstance, receiver: Receiver }> {
  receiver = await startReceiver(opts.answer)
  app = await buildSimulator({ appKey: APP_KEY, appSecret: APP_SECRET, queueMs: 20, processMs: 60, ...opts.sim })
  base = await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, receiver }
}

async function create (body: Record<string, unknown>): Promise<string> {
  const res = await postJson(`${base}/v1/open/capacity/application/tm_video_scoring`, body)
  expect(res.status).toBe(200)
  return (res.json.data as { task_id: string }).task_id
}

afterEach(async () => {
  await app?.close()
  await receiver?.close()
  app = undefined
  receiver = undefined
})

describe('callbacks', () => {
  it('POSTs the success payload with the result string and echoed params; the asset URL downloads as a WAV', async () => {
    const { app, receiver } = await start()
    const params = '{"order":7, "note":"kept as is"}'
    const taskId = await create({ ...BODY, callback: receiver.url, params })
    await waitFor(() => receiver.received.length === 1, 3000, 'the callback')
    const cb = receiver.received[0]
    expect(cb?.headers['content-type']).toBe('application/json')
    expect(Object.keys(cb?.body ?? {})).toEqual(['task_id', 'status', 'result', 'params'])
    expect(cb?.body).toMatchObject({ task_id: taskId, status: 3, params })
    expect(typeof cb?.body.result).toBe('string')
    const result = JSON.parse(String(cb?.body.result)) as { audio_path: string[] }
    expect(result.audio_path).toEqual([`${base}/assets/${taskId}/0.wav`])

    // The poll answer carries the very same string.
    const poll = await postJson(`${base}/v1/open/pub/task`, { task_id: taskId })
    expect((poll.json.data as { result: string }).result).toBe(cb?.body.result)

    const download = await request(result.audio_path[0] ?? '')
    expect(download.statusCode).toBe(200)
    expect(download.headers['content-type']).toBe('audio/wav')
    const wav = Buffer.from(await download.body.arrayBuffer())
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF')
    expect(wav.toString('ascii', 8, 12)).toBe('WAVE')
    expect(wav.readUInt32LE(40)).toBe(6 * 22_050 * 2)
    expect(wav.length).toBe(44 + 6 * 22_050 * 2)

    await sleep(50)
    expect(receiver.received).toHaveLength(1)
    expect(app.simulator.tasks.get(taskId)?.callbacksSent).toBe(1)
  })

  it('omits params when none were given', async () => {
    const { receiver } = await start()
    await create({ ...BODY, callback: receiver.url })
    await waitFor(() => receiver.received.length === 1, 3000, 'the callback')
    expect(Object.keys(receiver.received[0]?.body ?? {})).toEqual(['task_id', 'status', 'result'])
  })

  it.each([
    ['#fail', 4, 'Simulated failure'],
    ['#timeout', 6, 'Simulated timeout'],
    ['#cancel', 5, 'Simulated cancellation']
  ])('calls back for %s with status %i and a reason, without result', async (marker, status, reason) => {
    const { app, receiver } = await start()
    const taskId = await create({ ...BODY, prompt: `warm ${marker}`, callback: receiver.url, params: 'p-1' })
    await waitFor(() => receiver.received.length === 1, 3000, 'the callback')
    expect(receiver.received[0]?.body).toEqual({ task_id: taskId, status, reason, params: 'p-1' })
    expect(app.simulator.tasks.get(taskId)?.status).toBe(status)
  })

  it('#no-callback finishes but never calls back', async () => {
    const { app, receiver } = await start()
    const taskId = await create({ ...BODY, prompt: '#no-callback', callback: receiver.url })
    await waitFor(() => app.simulator.tasks.get(taskId)?.status === 3, 3000, 'success')
    await sleep(SETTLE_MS)
    expect(receiver.received).toHaveLength(0)
    expect(app.simulator.tasks.get(taskId)?.callbacksSent).toBe(0)
  })

  it('#double-callback sends the terminal callback twice', async () => {
    const { app, receiver } = await start()
    const taskId = await create({ ...BODY, prompt: 'x #double-callback', callback: receiver.url, params: 'dup' })
    await waitFor(() => receiver.received.length === 2, 3000, 'two callbacks')
    await sleep(SETTLE_MS)
    expect(receiver.received).toHaveLength(2)
    expect(receiver.received[1]?.body).toEqual(receiver.received[0]?.body)
    expect(receiver.received[0]?.body).toMatchObject({ task_id: taskId, status: 3, params: 'dup' })
    expect(app.simulator.tasks.get(taskId)?.callbacksSent).toBe(2)
  })

  it('#fail #double-callback sends the failure twice', async () => {
    const { receiver } = await start()
    await create({ ...BODY, prompt: '#fail #double-callback', callback: receiver.url })
    await waitFor(() => receiver.received.length === 2, 3000, 'two callbacks')
    expect(receiver.received.map((r) => r.body.status)).toEqual([4, 4])
  })

  it('#stale-callback follows the terminal callback with a status-2 one', async () => {
    const { app, receiver } = await start()
    const taskId = await create({ ...BODY, prompt: '#stale-callback', callback: receiver.url, params: 'st' })
    await waitFor(() => receiver.received.length === 2, 3000, 'two callbacks')
    const [terminal, stale] = receiver.received.map((r) => r.body)
    expect(terminal).toMatchObject({ task_id: taskId, status: 3, params: 'st' })
    expect(stale).toEqual({ task_id: taskId, status: 2, progress: 83, params: 'st' })
    expect(receiver.received[1]?.at).toBeGreaterThanOrEqual(receiver.received[0]?.at ?? Infinity)
    expect(app.simulator.tasks.get(taskId)?.status).toBe(3)
  })

  it('#hang stays in status 2 and never calls back', async () => {
    const { app, receiver } = await start()
    const taskId = await create({ ...BODY, prompt: '#hang', callback: receiver.url })
    await sleep(SETTLE_MS)
    const poll = await postJson(`${base}/v1/open/pub/task`, { task_id: taskId })
    expect(poll.json.data).toEqual({ task_id: taskId, status: 2, progress: 83 })
    expect(receiver.received).toHaveLength(0)
    expect(app.simulator.tasks.get(taskId)?.callbacksSent).toBe(0)
  })

  it('applies defaultBehaviour to unmarked prompts', async () => {
    const { receiver } = await start({ sim: { defaultBehaviour: { outcome: 'timeout' } } })
    await create({ ...BODY, callback: receiver.url })
    await waitFor(() => receiver.received.length === 1, 3000, 'the callback')
    expect(receiver.received[0]?.body.status).toBe(6)
  })

  it('logs each delivery with the HTTP status and never the callback token', async () => {
    const logs = logCollector()
    let answers = 0
    const { receiver } = await start({ answer: () => (answers++ === 0 ? 200 : 500), sim: { logger: { level: 'info', stream: logs.stream } } })
    await create({ ...BODY, prompt: '#double-callback', callback: receiver.url })
    await waitFor(() => logs.lines.filter((l) => typeof l.httpStatus === 'number').length === 2, 3000, 'two delivery logs')
    const deliveries = logs.lines.filter((l) => typeof l.httpStatus === 'number')
    expect(deliveries.map((l) => [l.level, l.httpStatus, l.msg])).toEqual([
      [30, 200, 'callback delivered'],
      [40, 500, 'callback rejected by receiver']
    ])
    expect(JSON.stringify(logs.lines)).not.toContain('secret-token')
    expect(JSON.stringify(logs.lines)).not.toContain(APP_SECRET)
  })

  it('gives up on a receiver that does not answer within callbackTimeoutMs, without counting it', async () => {
    const logs = logCollector()
    const { app, receiver } = await start({ answer: () => null, sim: { callbackTimeoutMs: 100, logger: { level: 'info', stream: logs.stream } } })
    const taskId = await create({ ...BODY, callback: receiver.url })
    await waitFor(() => logs.lines.some((l) => l.msg === 'callback not delivered'), 3000, 'the timeout log')
    expect(receiver.received).toHaveLength(1)
    expect(app.simulator.tasks.get(taskId)?.callbacksSent).toBe(0)
  })

  it('survives an unreachable callback URL', async () => {
    const { app } = await start()
    const taskId = await create({ ...BODY, callback: 'http://127.0.0.1:1/nothing-here' })
    const second = await create({ ...BODY, callback: 'not a url' })
    await waitFor(() => app.simulator.tasks.get(taskId)?.status === 3 && app.simulator.tasks.get(second)?.status === 3, 3000, 'both tasks')
    await sleep(100)
    expect(app.simulator.tasks.get(taskId)?.callbacksSent).toBe(0)
    const poll = await postJson(`${base}/v1/open/pub/task`, { task_id: second })
    expect(poll.status).toBe(200)
  })

  it('closes promptly while a callback is stuck on a silent receiver', async () => {
    const { app, receiver } = await start({ answer: () => null, sim: { callbackTimeoutMs: 10_000 } })
    await create({ ...BODY, callback: receiver.url })
    await waitFor(() => receiver.received.length === 1, 3000, 'the callback to arrive')
    const started = Date.now()
    await app.close()
    expect(Date.now() - started).toBeLessThan(1000)
  })
})
