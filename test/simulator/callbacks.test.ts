import type { FastifyInstance } from 'fastify'
import { request } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import { buildSimulator, type SimulatorOptions } from '../../src/providers/tomoviee/simulator/app.ts'
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
    const { receiver } = await start({ answer: () => (answers++ === 0 ? 200 : 500), sim: { callbackRetries: 0, logger: { level: 'info', stream: logs.stream } } })
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
    const { app, receiver } = await start({ answer: () => null, sim: { callbackTimeoutMs: 100, callbackRetries: 0, logger: { level: 'info', stream: logs.stream } } })
    const taskId = await create({ ...BODY, callback: receiver.url })
    await waitFor(() => logs.lines.some((l) => l.msg === 'callback not delivered'), 3000, 'the timeout log')
    expect(receiver.received).toHaveLength(1)
    expect(app.simulator.tasks.get(taskId)).toMatchObject({ callbacksSent: 0, callbackAttempts: 1, callbacksDelivered: 0 })
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

describe('callback retries', () => {
  const RETRY = { callbackRetryDelayMs: 20 }

  it('retries after 500s with backoff until a 2xx, sending the identical terminal payload each time', async () => {
    let answers = 0
    const { app, receiver } = await start({ answer: () => (++answers <= 2 ? 500 : 200), sim: RETRY })
    const taskId = await create({ ...BODY, callback: receiver.url, params: 'again' })
    await waitFor(() => app.simulator.tasks.get(taskId)?.callbacksDelivered === 1, 3000, 'the delivery')
    await sleep(SETTLE_MS)
    expect(receiver.received).toHaveLength(3)
    expect(app.simulator.tasks.get(taskId)).toMatchObject({ callbackAttempts: 3, callbacksSent: 3, callbacksDelivered: 1 })
    const [first, ...rest] = receiver.received.map((r) => r.body)
    expect(first).toMatchObject({ task_id: taskId, status: 3, params: 'again' })
    for (const body of rest) expect(body).toEqual(first)
    // Backoff: base, then twice the base (a millisecond of slack for timer rounding).
    const [a, b, c] = receiver.received.map((r) => r.at)
    expect((b ?? 0) - (a ?? 0)).toBeGreaterThanOrEqual(19)
    expect((c ?? 0) - (b ?? 0)).toBeGreaterThanOrEqual(39)
  })

  it('delivers once a receiver that was down comes up on the callback port', async () => {
    const gone = await startReceiver()
    const url = gone.url
    const port = Number(new URL(url).port)
    await gone.close()
    // Retries at +20, +40, +80, +160, +320, +640 ms: plenty of attempts left once the receiver is up.
    const { app } = await start({ sim: { ...RETRY, callbackRetries: 6 } })
    const taskId = await create({ ...BODY, callback: url })
    await waitFor(() => (app.simulator.tasks.get(taskId)?.callbackAttempts ?? 0) >= 2, 3000, 'two failed attempts')
    expect(app.simulator.tasks.get(taskId)).toMatchObject({ callbacksSent: 0, callbacksDelivered: 0 })
    const late = await startReceiver(() => 200, port)
    try {
      await waitFor(() => late.received.length === 1, 3000, 'the late delivery')
      await waitFor(() => app.simulator.tasks.get(taskId)?.callbacksDelivered === 1, 1000, 'the delivery count')
      const task = app.simulator.tasks.get(taskId)
      expect(task?.callbackAttempts).toBeGreaterThanOrEqual(3)
      expect(task?.callbacksSent).toBe(1)
      expect(late.received[0]?.body).toMatchObject({ task_id: taskId, status: 3 })
      await sleep(SETTLE_MS)
      expect(late.received).toHaveLength(1)
    } finally {
      await late.close()
    }
  })

  it('makes a single attempt with callbackRetries 0', async () => {
    const { app, receiver } = await start({ answer: () => 503, sim: { ...RETRY, callbackRetries: 0 } })
    const taskId = await create({ ...BODY, callback: receiver.url })
    await waitFor(() => receiver.received.length === 1, 3000, 'the callback')
    await sleep(SETTLE_MS)
    expect(receiver.received).toHaveLength(1)
    expect(app.simulator.tasks.get(taskId)).toMatchObject({ callbackAttempts: 1, callbacksSent: 1, callbacksDelivered: 0 })
  })

  it('stops after callbackRetries extra attempts and logs that it gave up', async () => {
    const logs = logCollector()
    const { app, receiver } = await start({ answer: () => 500, sim: { ...RETRY, callbackRetries: 2, logger: { level: 'info', stream: logs.stream } } })
    const taskId = await create({ ...BODY, callback: receiver.url })
    await waitFor(() => logs.lines.some((l) => l.msg === 'callback abandoned after the last retry'), 3000, 'the give-up log')
    await sleep(SETTLE_MS)
    expect(receiver.received).toHaveLength(3)
    expect(app.simulator.tasks.get(taskId)).toMatchObject({ callbackAttempts: 3, callbacksSent: 3, callbacksDelivered: 0 })
    expect(logs.lines.filter((l) => l.msg === 'callback rejected by receiver').map((l) => l.attempt)).toEqual([1, 2, 3])
    expect(JSON.stringify(logs.lines)).not.toContain('secret-token')
  })

  it('retries each #double-callback and #stale-callback delivery on its own until it gets a 2xx', async () => {
    // Every other answer fails: each of the three callbacks needs exactly one retry.
    let answers = 0
    const { app, receiver } = await start({ answer: () => (++answers % 2 === 1 ? 500 : 200), sim: RETRY })
    const taskId = await create({ ...BODY, prompt: '#double-callback #stale-callback', callback: receiver.url })
    await waitFor(() => app.simulator.tasks.get(taskId)?.callbacksDelivered === 3, 3000, 'three deliveries')
    await sleep(SETTLE_MS)
    expect(receiver.received.map((r) => r.body.status)).toEqual([3, 3, 3, 3, 2, 2])
    expect(app.simulator.tasks.get(taskId)).toMatchObject({ callbackAttempts: 6, callbacksSent: 6, callbacksDelivered: 3 })
  })

  it('stops retrying when closed during a backoff, and closes promptly', async () => {
    const { app, receiver } = await start({ answer: () => 500, sim: { callbackRetries: 5, callbackRetryDelayMs: 200 } })
    const taskId = await create({ ...BODY, callback: receiver.url })
    const task = app.simulator.tasks.get(taskId)
    // callbacksSent rises when the 500 has been read, just before the backoff starts.
    await waitFor(() => task?.callbacksSent === 1, 3000, 'the first answered attempt')
    const started = Date.now()
    await app.close()
    expect(Date.now() - started).toBeLessThan(500)
    await sleep(400)
    expect(receiver.received).toHaveLength(1)
    expect(task).toMatchObject({ callbackAttempts: 1, callbacksDelivered: 0 })
  })
})
