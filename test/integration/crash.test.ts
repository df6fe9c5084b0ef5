import { existsSync } from 'node:fs'
import { connect, type AddressInfo, type Socket } from 'node:net'
import Database from 'better-sqlite3'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { buildSimulator } from '../../src/providers/tomoviee/simulator/app.ts'
import { APP_KEY, APP_SECRET, bearer, eventually, freePort, tempDbPath } from '../helper.ts'
import { crashEnv, spawnBff, type BffProcess } from '../process.ts'
import { openSse, type SseConnection } from '../sse-client.ts'

let sim: FastifyInstance | undefined
let bff: BffProcess | undefined
let db: ReturnType<typeof tempDbPath> | undefined
const streams: SseConnection[] = []

afterEach(async () => {
  for (const s of streams.splice(0)) s.close()
  if (bff && bff.child.exitCode === null) { bff.child.kill('SIGKILL'); await bff.exited }
  await sim?.close()
  db?.cleanup()
})

async function setup (extraEnv: Record<string, string> = {}): Promise<{ url: string, env: Record<string, string> }> {
  // The simulator retries callbacks that fail, as a real gateway plausibly would, so some land after the restart.
  sim = await buildSimulator({ appKey: APP_KEY, appSecret: APP_SECRET, queueMs: 50, processMs: 400, progressSteps: 2, callbackRetries: 20, callbackRetryDelayMs: 100 })
  await sim.listen({ host: '127.0.0.1', port: 0 })
  db = tempDbPath()
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const env = {
    ...crashEnv({ port, databasePath: db.path, tomoviee: `http://127.0.0.1:${(sim.server.address() as AddressInfo).port}` }),
    // Text to speech: overdue after 0.6 s, given up after 6 s, so recovery shows within the test.
    RECONCILE_INTERVAL_MS: '100',
    RECONCILE_OVERDUE_FACTOR: '0.02',
    TASK_DEADLINE_FACTOR: '0.2',
    RECONCILE_BASE_DELAY_MS: '100',
    RECONCILE_MAX_DELAY_MS: '500',
    ...extraEnv
  }
  bff = await spawnBff(env, url)
  return { url, env }
}

async function createTts (url: string, text: string, key: string): Promise<string | null> {
  try {
    const res = await fetch(`${url}/v1/tasks/text-to-speech`, {
      method: 'POST',
      headers: { ...bearer(), 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({ text })
    })
    return res.status === 202 ? ((await res.json()) as { id: string }).id : null
  } catch {
    return null // the process died under the request: the client retries with the same key
  }
}

describe('crash safety', () => {
  it('survives kill -9 mid-flight: every task finishes, and a resuming client gets every event once', async () => {
    const { url, env } = await setup()
    const first = await openSse(`${url}/v1/events`, bearer())
    streams.push(first)
    await first.waitFor((f) => f.retry !== undefined)

    const keys = Array.from({ length: 12 }, (_, i) => `crash-${i}`)
    const texts = keys.map((_, i) => `line ${i} #delay=${100 + (i % 4) * 150}${i % 5 === 0 ? ' #no-callback' : ''}`)
    const inFlight = keys.map((key, i) => new Promise<string | null>((resolve) => setTimeout(() => { void createTts(url, texts[i]!, key).then(resolve) }, i * 25)))
    await new Promise((resolve) => setTimeout(resolve, 180))
    bff!.child.kill('SIGKILL')
    await bff!.exited
    const before = await Promise.all(inFlight)
    await first.ended
    const seen = first.events()
    const lastSeen = seen.at(-1)?.id ?? 0

    bff = await spawnBff(env, url)
    const resumed = await openSse(`${url}/v1/events`, { ...bearer(), 'last-event-id': String(lastSeen) })
    streams.push(resumed)
    // Creates that got no answer are retried with their key: each names one task in the end.
    const ids = await Promise.all(keys.map(async (key, i) => before[i] ?? await createTts(url, texts[i]!, key)))
    expect(ids.every((id) => id !== null)).toBe(true)
    expect(ids.filter((id, i) => before[i] !== null && id !== before[i])).toEqual([])

    const terminal = /^(succeeded|failed|canceled|timed_out)$/
    await eventually(async () => Promise.all(ids.map(async (id) => ((await (await fetch(`${url}/v1/tasks/${id}`, { headers: bearer() })).json()) as { status: string }).status)),
      (statuses) => statuses.every((st) => terminal.test(st)), 20_000)
    await eventually(() => resumed.events().filter((e) => terminal.test(e.data.status)).length, (n) => n >= new Set(ids).size - seen.filter((e) => terminal.test(e.data.status)).length, 5000)
    await new Promise((resolve) => setTimeout(resolve, 300))

    const truthConn = await openSse(`${url}/v1/events`, { ...bearer(), 'last-event-id': '0' })
    streams.push(truthConn)
    await truthConn.waitFor((f) => f.retry !== undefined)
    await new Promise((resolve) => setTimeout(resolve, 200))
    const truth = truthConn.events().map((e) => e.id)
    const delivered = [...seen, ...resumed.events()].map((e) => e.id)
    expect(new Set(delivered).size).toBe(delivered.length) // nothing twice
    expect(delivered).toEqual(truth) // nothing missing, in order
    for (const id of new Set(ids)) expect(truthConn.events().some((e) => e.data.id === id && terminal.test(e.data.status))).toBe(true)
  }, 60_000)

  it('shuts down on SIGTERM within the deadline, ending streams with a retry hint', async () => {
    const { url } = await setup({ SHUTDOWN_TIMEOUT_MS: '5000', SSE_RETRY_MS: '1234' })
    const sse = await openSse(`${url}/v1/events`, bearer())
    streams.push(sse)
    await sse.waitFor((f) => f.retry !== undefined)
    const started = Date.now()
    bff!.child.kill('SIGTERM')
    const exit = await bff!.exited
    expect(Date.now() - started).toBeLessThan(5000)
    expect(exit.code).toBe(0)
    await sse.ended
    expect(sse.frames.at(-1)).toMatchObject({ event: 'shutdown', retry: '1234' })
  })

  it('exits 0 within about a second on SIGTERM with a silent socket and a half-sent request open, database closed cleanly', async () => {
    const { url } = await setup({ SHUTDOWN_TIMEOUT_MS: '10000' })
    const { port } = new URL(url)
    const open = async (): Promise<Socket> => new Promise((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => resolve(socket)).once('error', reject)
    })
    // A pre-connect that never sends anything, and a request whose head never ends.
    const silent = await open()
    const halfSent = await open()
    halfSent.write('POST /v1/tasks/text-to-speech HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/')
    // A task, so the database has something to keep.
    const created = await createTts(url, 'kept #hang', 'shutdown-1')
    expect(created).not.toBeNull()
    const started = Date.now()
    bff!.child.kill('SIGTERM')
    const exit = await bff!.exited
    const tookMs = Date.now() - started
    process.stdout.write(`SIGTERM to exit with a silent socket and a half-sent request: ${tookMs} ms\n`)
    expect(exit.code).toBe(0)
    // Generous for a loaded machine; before, the deadline (10 s here) was always reached.
    expect(tookMs).toBeLessThan(3000)
    silent.destroy()
    halfSent.destroy()
    // Closed cleanly: the WAL was checkpointed and removed, and the file reads back whole.
    expect(existsSync(`${db!.path}-wal`)).toBe(false)
    const reopened = new Database(db!.path, { readonly: true })
    try {
      expect(reopened.pragma('integrity_check', { simple: true })).toBe('ok')
      expect(reopened.prepare('SELECT status FROM tasks WHERE id = ?').get(created)).toEqual({ status: 'queued' })
    } finally {
      reopened.close()
    }
  })
})
