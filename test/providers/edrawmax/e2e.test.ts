import { connect } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../../src/app.ts'
import type { Config } from '../../../src/config.ts'
import { edrawmax } from '../../../src/providers/edrawmax/index.ts'
import type { Simulation } from '../../../src/providers/types.ts'
import { isFileOutput, type Task } from '../../../src/tasks/model.ts'
import { bearer, dropClientConnections, eventually, freePort, tempDbPath, testConfig } from '../../helper.ts'
import { dropPrefix, REDIS_URL, testPrefix } from '../../redis-helper.ts'
import { openSse } from '../../sse-client.ts'
import { startEdrawmaxSimulator } from './harness.ts'

const TERMINAL = ['succeeded', 'failed', 'timed_out', 'canceled']

interface Bff { app: FastifyInstance, url: string }

/** The BFF in demo mode for EdrawMax (no EDRAWMAX_BASE_URL), pointed at `baseUrl` as `simulate` points it. */
async function startBff (env: Record<string, string>, baseUrl: string): Promise<Bff> {
  const port = await freePort()
  const base = testConfig({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, ...env })
  expect(base.edrawmax.demo).toBe(true)
  const config: Config = { ...base, edrawmax: { ...base.edrawmax, baseUrl } }
  const app = await buildApp({ config, logger: false })
  await app.listen({ host: '127.0.0.1', port })
  return { app, url: config.publicUrl }
}

async function post (bff: Bff, body: Record<string, unknown>, headers: Record<string, string> = {}, diagram = 'flowchart'): Promise<Response> {
  return await fetch(`${bff.url}/v1/tasks/edrawmax-${diagram}`, { method: 'POST', headers: { ...bearer(), 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
}

async function created (res: Response): Promise<Task> {
  if (res.status !== 202) throw new Error(`create answered ${res.status}: ${await res.text()}`)
  return await res.json() as Task
}

const finished = (bff: Bff, id: string) => eventually(
  async () => await (await fetch(`${bff.url}/v1/tasks/${id}`, { headers: bearer() })).json() as Task,
  (t) => TERMINAL.includes(t.status), 60_000)

// The same path in both engines: in Redis mode the runner's result lands in the shared store and stream.
const ENGINES = [
  { name: 'the embedded store', env: (): Record<string, string> => ({}) },
  { name: 'Redis', env: (): Record<string, string> => ({ REDIS_URL, REDIS_PREFIX: testPrefix() }) }
]

describe.each(ENGINES)('EdrawMax in demo mode with $name, over real sockets', (engine) => {
  let sim: Awaited<ReturnType<typeof startEdrawmaxSimulator>>
  let bff: Bff
  let env: Record<string, string>
  const callsWith = (marker: string) => sim.sim.edrawmaxSimulator.calls.filter((c) => JSON.stringify(c.body).includes(marker)).length

  beforeAll(async () => {
    env = engine.env()
    sim = await startEdrawmaxSimulator({ delayMs: 200 })
    bff = await startBff(env, sim.baseUrl)
  }, 60_000)
  afterAll(async () => {
    await dropClientConnections()
    await bff?.app.close()
    await sim?.sim.close()
    if (env.REDIS_PREFIX) await dropPrefix(env.REDIS_PREFIX)
  })

  it('answers 202 queued, moves through processing to succeeded on SSE, and hands out the PNG, the SVG and the Mermaid source', async () => {
    const task = await created(await post(bff, { prompt: 'Order received, then packed, then shipped #delay=1500', lang: 'en' }))
    expect(task).toMatchObject({ status: 'queued', provider: 'edrawmax', capability: 'edrawmax-flowchart', outputs: [] })
    const sse = await openSse(`${bff.url}/v1/tasks/${task.id}/events`, bearer())
    try {
      await sse.waitFor((f) => f.data !== undefined && (JSON.parse(f.data) as Task).status === 'succeeded', 60_000)
      const statuses = sse.events().map((e) => e.data.status)
      expect(statuses.indexOf('processing')).toBeGreaterThanOrEqual(0)
      expect(statuses.indexOf('processing')).toBeLessThan(statuses.indexOf('succeeded'))
    } finally {
      sse.close()
    }
    const done = await finished(bff, task.id)
    expect(done).toMatchObject({ status: 'succeeded', progress: 100, error: null })
    expect(done.outputs.map((o) => o.type)).toEqual(['image', 'vector', 'source'])
    const [png, svg, source] = done.outputs
    if (!png || !isFileOutput(png) || !svg || !isFileOutput(svg) || source?.type !== 'source') throw new Error('unexpected outputs')
    const image = await fetch(png.url)
    expect(image.status).toBe(200)
    expect(image.headers.get('content-type')).toMatch(/^image\/png/)
    expect(Buffer.from(await image.arrayBuffer()).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    const vector = await fetch(svg.url)
    expect(vector.status).toBe(200)
    expect(vector.headers.get('content-type')).toMatch(/^image\/svg\+xml/)
    expect(await vector.text()).toContain('<svg')
    expect(source.format).toBe('mermaid')
    expect(source.text).toContain('packed')
  }, 90_000)

  it('keeps going when the client disconnects right after the 202', async () => {
    const marker = `disconnect-${Date.now()}`
    const body = JSON.stringify({ prompt: `Step one, then ${marker} #delay=800`, lang: 'en' })
    const { port } = new URL(bff.url)
    // A raw socket, closed as soon as the status line arrives: nothing of the task is tied to it.
    const head = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1')
      let seen = ''
      socket.on('error', reject)
      socket.on('data', (chunk) => {
        seen += chunk.toString('latin1')
        const end = seen.indexOf('\r\n\r\n')
        if (end === -1) return
        socket.destroy()
        resolve(seen)
      })
      socket.write(`POST /v1/tasks/edrawmax-flowchart HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: ${bearer().authorization}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
    })
    expect(head).toMatch(/^HTTP\/1\.1 202 /)
    // The upstream call had not answered when the client left.
    expect(sim.sim.edrawmaxSimulator.calls.filter((c) => JSON.stringify(c.body).includes(marker) && c.code === 0)).toHaveLength(0)
    const list = await eventually(
      async () => (await (await fetch(`${bff.url}/v1/tasks?limit=100`, { headers: bearer() })).json() as { items: Task[] }).items,
      (items) => items.some((t) => JSON.stringify(t.input).includes(marker)), 30_000)
    const task = list.find((t) => JSON.stringify(t.input).includes(marker))!
    expect(await finished(bff, task.id)).toMatchObject({ status: 'succeeded' })
    expect(callsWith(marker)).toBe(1)
  }, 90_000)

  it('makes one upstream call for the same Idempotency-Key, however often it is sent', async () => {
    const marker = `idem-${Date.now()}`
    const body = { prompt: `A then B then ${marker} #delay=600`, lang: 'en' }
    const key = { 'idempotency-key': `key-${marker}` }
    const first = await created(await post(bff, body, key))
    const again = await post(bff, body, key)
    expect([200, 202]).toContain(again.status)
    expect((await again.json() as Task).id).toBe(first.id)
    expect(await finished(bff, first.id)).toMatchObject({ status: 'succeeded' })
    const late = await post(bff, body, key)
    expect((await late.json() as Task)).toMatchObject({ id: first.id, status: 'succeeded' })
    expect(callsWith(marker)).toBe(1)
  }, 90_000)

  it.each([
    ['a content rejection', '#reject', 'BFF_ERR_TASK_CONTENT_REJECTED'],
    ['a result on an untrusted host', '#untrusted-host', 'BFF_ERR_TASK_BAD_RESULT'],
    ['an upstream crash', '#panic', 'BFF_ERR_UPSTREAM_UNAVAILABLE']
  ])('fails the task after the 202 on %s', async (_what, marker, code) => {
    const task = await created(await post(bff, { prompt: `Something ${marker}`, lang: 'en' }, {}, 'mindmap'))
    expect(task.status).toBe('queued')
    expect(await finished(bff, task.id)).toMatchObject({ status: 'failed', outputs: [], error: { code } })
  }, 90_000)
})

describe('EdrawMax background calls are bounded', () => {
  let sim: Awaited<ReturnType<typeof startEdrawmaxSimulator>>
  let bff: Bff

  beforeAll(async () => {
    sim = await startEdrawmaxSimulator({ delayMs: 50, perUserConcurrency: 10 })
    bff = await startBff({ EDRAWMAX_CONCURRENCY: '1', SYNC_QUEUE_MAX: '1' }, sim.baseUrl)
  }, 60_000)
  afterAll(async () => {
    await dropClientConnections()
    await bff?.app.close()
    await sim?.sim.close()
  })

  it('answers 503 before recording anything when the runner is full, and runs the rest in turn', async () => {
    const running = await created(await post(bff, { prompt: 'first #delay=3000', lang: 'en' }))
    const waiting = await created(await post(bff, { prompt: 'second', lang: 'en' }))
    const refused = await post(bff, { prompt: 'third', lang: 'en' })
    expect(refused.status).toBe(503)
    expect((await refused.json() as { code: string }).code).toBe('BFF_ERR_UPSTREAM_UNAVAILABLE')
    const { items } = await (await fetch(`${bff.url}/v1/tasks?limit=100`, { headers: bearer() })).json() as { items: Task[] }
    expect(items.map((t) => t.id).sort()).toEqual([running.id, waiting.id].sort())
    expect(await finished(bff, running.id)).toMatchObject({ status: 'succeeded' })
    expect(await finished(bff, waiting.id)).toMatchObject({ status: 'succeeded' })
    // One slot: the second call started only after the first had answered.
    expect(sim.sim.edrawmaxSimulator.calls.map((c) => JSON.stringify(c.body).includes('first'))).toEqual([true, false])
  }, 90_000)
})

describe('EdrawMax shutdown', () => {
  it('waits for the call in flight and records its outcome before the store closes', async () => {
    const sim = await startEdrawmaxSimulator({ delayMs: 50 })
    const db = tempDbPath()
    try {
      const first = await startBff({ DATABASE_PATH: db.path }, sim.baseUrl)
      const task = await created(await post(first, { prompt: 'Drain me #delay=1500', lang: 'en' }))
      await eventually(() => sim.sim.edrawmaxSimulator.inFlight.size, (n) => n > 0, 30_000)
      await dropClientConnections()
      await first.app.close()
      const second = await startBff({ DATABASE_PATH: db.path }, sim.baseUrl)
      try {
        const after = await (await fetch(`${second.url}/v1/tasks/${task.id}`, { headers: bearer() })).json() as Task
        expect(after).toMatchObject({ status: 'succeeded' })
        expect(sim.sim.edrawmaxSimulator.calls).toHaveLength(1)
      } finally {
        await dropClientConnections()
        await second.app.close()
      }
    } finally {
      await sim.sim.close()
      db.cleanup()
    }
  }, 90_000)
})

describe('EdrawMax demo wiring', () => {
  let simulation: Simulation | undefined
  let app: FastifyInstance | undefined

  afterAll(async () => {
    await dropClientConnections()
    await app?.close()
    await simulation?.close()
  })

  it('starts its simulator outside production and is off in production without EDRAWMAX_BASE_URL', async () => {
    const port = await freePort()
    const config = testConfig({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` })
    expect(edrawmax.mode(config)).toBe('simulated')
    simulation = await edrawmax.simulate(config, { log: undefined as never, publicUrl: config.publicUrl })
    app = await buildApp({ config: simulation.config, logger: false })
    await app.listen({ host: '127.0.0.1', port })
    const task = await created(await fetch(`${config.publicUrl}/v1/tasks/edrawmax-gantt`, {
      method: 'POST', headers: { ...bearer(), 'content-type': 'application/json' }, body: JSON.stringify({ prompt: 'Plan, build, ship', lang: 'en' })
    }))
    const done = await finished({ app, url: config.publicUrl }, task.id)
    expect(done).toMatchObject({ status: 'succeeded' })
    expect(done.outputs.find((o) => o.type === 'source')).toMatchObject({ format: 'edrawmax' })
    expect(edrawmax.mode({ ...config, simulateUnconfigured: false })).toBe('off')
  }, 90_000)
})
