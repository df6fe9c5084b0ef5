import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { BffError } from '../../src/errors.ts'
import { buildSimulator } from '../../src/providers/tomoviee/simulator/app.ts'
import { createSqliteStore, type SqliteStore } from '../../src/store/sqlite.ts'
import type { Task } from '../../src/tasks/model.ts'
import { APP_KEY, APP_SECRET, bearer, dropClientConnections, eventually, freePort, testConfig } from '../helper.ts'

/** A store whose next create commits and then loses its reply, as when Redis is cut off mid-write. */
function losingStore (store: SqliteStore): SqliteStore & { loseNextReply: () => void } {
  let lose = false
  return new Proxy(store, {
    get (target, prop, receiver) {
      if (prop === 'loseNextReply') return () => { lose = true }
      const value: unknown = Reflect.get(target, prop, receiver)
      if (prop !== 'create' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value
      return async (...args: unknown[]) => {
        const outcome: unknown = await (value as (...a: unknown[]) => unknown).apply(target, args)
        if (!lose) return outcome
        lose = false
        throw new BffError('BFF_ERR_STORE_UNAVAILABLE')
      }
    }
  }) as SqliteStore & { loseNextReply: () => void }
}

/** In front of the simulator: forwards everything, or refuses every create the way the gateway refuses a bad request. */
async function gatewayFront (): Promise<{ url: string, refuse: (on: boolean) => void, target: (url: string) => void, server: Server }> {
  let refusing = false
  let simUrl = ''
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      if (refusing) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 400, msg: 'bad request' }))
        return
      }
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k)).map(([k, v]) => [k, String(v)]))
      fetch(`${simUrl}${req.url}`, { method: req.method, headers, ...(chunks.length ? { body: Buffer.concat(chunks) } : {}) })
        .then(async (answer) => { res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(Buffer.from(await answer.arrayBuffer())) })
        .catch(() => res.destroy())
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, refuse: (on) => { refusing = on }, target: (url) => { simUrl = url }, server }
}

let closeAll: () => Promise<void> = async () => {}
afterEach(async () => { await closeAll(); closeAll = async () => {} })

// A short send window: one 500 ms attempt, no retries, plus the 1 s margin.
async function start (env: Record<string, string> = {}) {
  // Result URLs name the front too, so they are on the gateway's allowed host.
  const front = await gatewayFront()
  const sim = await buildSimulator({ appKey: APP_KEY, appSecret: APP_SECRET, queueMs: 30, processMs: 120, progressSteps: 2, publicUrl: front.url })
  await sim.listen({ host: '127.0.0.1', port: 0 })
  front.target(`http://127.0.0.1:${(sim.server.address() as AddressInfo).port}`)
  const port = await freePort()
  const store = losingStore(createSqliteStore(':memory:'))
  const config = testConfig({
    PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, TOMOVIEE_BASE_URL: front.url,
    GATEWAY_TIMEOUT_MS: '500', TENCENT_TIMEOUT_MS: '500', MEDIAIO_TIMEOUT_MS: '500', CREATE_RETRIES: '0', RECONCILE_INTERVAL_MS: '100', ...env
  })
  const bff = await buildApp({ config, logger: false, store })
  await bff.listen({ host: '127.0.0.1', port })
  closeAll = async () => {
    await dropClientConnections()
    await bff.close()
    await store.close()
    await sim.close()
    await new Promise((resolve) => front.server.close(resolve))
  }
  const url = `http://127.0.0.1:${port}`
  const post = (key: string) => fetch(`${url}/v1/tasks/video-scoring`, {
    method: 'POST',
    headers: { ...bearer(), 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify({ videoUrl: 'https://example.com/clip.mp4', prompt: 'score it' })
  })
  const get = async (id: string) => await (await fetch(`${url}/v1/tasks/${id}`, { headers: bearer() })).json() as Task
  const sends = (id: string) => [...sim.simulator.tasks.values()].filter((t) => t.body.params === id).length
  const onlyTask = async () => {
    const { items } = await store.list({ owner: 'alice', limit: 10 })
    expect(items).toHaveLength(1)
    return items[0]!
  }
  return { bff, store, front, post, get, sends, onlyTask }
}

describe('a task recorded but never sent (the store\'s reply to the create was lost)', () => {
  it('a retry with the same key after the send window sends it once, and it succeeds', async () => {
    const s = await start({ RECONCILE_ENABLED: 'false' })
    s.store.loseNextReply()
    const lost = await s.post('lost-1')
    expect(lost.status).toBe(503)
    expect((await lost.json() as { code: string }).code).toBe('BFF_ERR_STORE_UNAVAILABLE')
    const recorded = await s.onlyTask()
    expect(recorded).toMatchObject({ status: 'queued', upstreamTaskId: null })
    // The first check is due at the end of the send window, not minutes later.
    expect(recorded.nextCheckAt! - Date.parse(recorded.createdAt)).toBeLessThanOrEqual(1_500)
    expect(s.sends(recorded.id)).toBe(0)

    // Within the window: the task as it is (the reconciler sends it when the window ends).
    const early = await s.post('lost-1')
    expect(early.status).toBe(202)
    expect(early.headers.get('idempotent-replayed')).toBe('true')
    expect(await early.json()).toMatchObject({ id: recorded.id, status: 'queued' })
    expect(s.sends(recorded.id)).toBe(0)

    await eventually(() => Date.now(), (t) => t >= Date.parse(recorded.createdAt) + 1_500, 5_000)
    const retry = await s.post('lost-1')
    expect(retry.status).toBe(202)
    expect(await retry.json()).toMatchObject({ id: recorded.id })
    expect(s.sends(recorded.id)).toBe(1)
    expect((await s.store.get(recorded.id))!.upstreamTaskId).not.toBeNull()
    const done = await eventually(() => s.get(recorded.id), (t) => t.status === 'succeeded', 15_000)
    expect(done.outputs.length).toBeGreaterThan(0)
    // Bound, the task is never sent again: neither by another retry nor by the reconciler.
    await s.post('lost-1')
    await s.bff.reconciler.tick()
    expect(s.sends(recorded.id)).toBe(1)
  })

  it('without any retry, the reconciler sends it when the send window ends, and it succeeds', async () => {
    const s = await start()
    s.store.loseNextReply()
    expect((await s.post('lost-2')).status).toBe(503)
    const { id } = await s.onlyTask()
    const done = await eventually(() => s.get(id), (t) => t.status === 'succeeded', 8_000)
    expect(done.outputs.length).toBeGreaterThan(0)
    await s.bff.reconciler.tick()
    expect(s.sends(id)).toBe(1)
  })

  it('a resend the gateway refuses fails the task with the gateway\'s code, and it is not sent again', async () => {
    const s = await start({ RECONCILE_ENABLED: 'false' })
    s.store.loseNextReply()
    expect((await s.post('lost-3')).status).toBe(503)
    const { id, createdAt } = await s.onlyTask()
    s.front.refuse(true)
    await eventually(() => Date.now(), (t) => t >= Date.parse(createdAt) + 1_500, 5_000)
    await s.bff.reconciler.tick()
    const failed = await s.get(id)
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'BFF_ERR_UPSTREAM_REJECTED' } })
    s.front.refuse(false)
    const retry = await s.post('lost-3')
    expect(await retry.json()).toMatchObject({ id, status: 'failed' })
    await s.bff.reconciler.tick()
    expect(s.sends(id)).toBe(0)
  })

  it('a task created normally is bound at once and never resent after the send window', async () => {
    const s = await start({ RECONCILE_ENABLED: 'false' })
    const created = await s.post('fine-1')
    expect(created.status).toBe(202)
    const { id, createdAt } = await created.json() as Task
    expect(s.sends(id)).toBe(1)
    await eventually(() => s.get(id), (t) => t.status === 'succeeded', 8_000)
    await eventually(() => Date.now(), (t) => t >= Date.parse(createdAt) + 1_500, 5_000)
    await s.post('fine-1')
    await s.bff.reconciler.tick()
    expect(s.sends(id)).toBe(1)
  })
})
