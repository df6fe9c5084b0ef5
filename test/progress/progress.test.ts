import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { ALICE, BOB, bearer, createTask, eventually, freePort, startStack, type Stack } from '../helper.ts'
import { dropPrefix, REDIS_URL, testPrefix } from '../redis-helper.ts'
import { openSse, type SseConnection } from '../sse-client.ts'

// The simulator never calls back with progress here (its default, like the real gateway): every
// progress event seen comes from the BFF's own polls.
const SLOW = { processMs: 60_000, progressSteps: 100, queueMs: 10 }

let stack: Stack | undefined
const streams: SseConnection[] = []
const extra: FastifyInstance[] = []
let prefix: string | undefined

afterEach(async () => {
  for (const s of streams.splice(0)) s.close()
  for (const app of extra.splice(0)) await app.close()
  await stack?.close()
  stack = undefined
  if (prefix) await dropPrefix(prefix)
  prefix = undefined
})

function upstreamIdOf (s: Stack, taskId: string): string {
  for (const t of s.sim.simulator.tasks.values()) if (t.body.params === taskId) return t.id
  throw new Error(`the simulator has no task for ${taskId}`)
}

async function boundTask (s: Stack, who = ALICE, prompt = 'a slow one'): Promise<{ id: string, upstream: string }> {
  const task = await createTask(s, { prompt }, who)
  const upstream = await eventually(() => { try { return upstreamIdOf(s, task.id) } catch { return '' } }, (id) => id !== '', 20_000)
  // Bound on our side too, so a poll has an id to ask about.
  await eventually(() => s.bff.taskStore.get(task.id), (t) => t?.upstreamTaskId === upstream, 20_000)
  return { id: task.id, upstream }
}

const reads = (s: Stack, upstream: string): number => s.sim.simulator.counts.resultsByTask.get(upstream) ?? 0

async function watch (url: string, who = ALICE): Promise<SseConnection> {
  const conn = await openSse(url, bearer(who))
  streams.push(conn)
  expect(conn.status).toBe(200)
  return conn
}

function progressOf (conn: SseConnection, taskId: string): number[] {
  return conn.events().filter((e) => e.data.id === taskId && e.event === 'task.processing').map((e) => e.data.progress)
}

describe('progress polls of watched tasks', () => {
  it('polls a watched task, never an unwatched one, and stops when the stream closes', async () => {
    stack = await startStack({ sim: SLOW, env: { PROGRESS_POLL_MS: '150', RECONCILE_ENABLED: 'false' } })
    const watched = await boundTask(stack)
    const unwatched = await boundTask(stack)
    const conn = await watch(`${stack.url}/v1/tasks/${watched.id}/events`)

    // Rising progress arrives on the stream, from polls alone.
    const seen = await eventually(() => progressOf(conn, watched.id), (p) => p.filter((v) => v > 0).length >= 2, 30_000)
    expect(seen.filter((v) => v > 0)).toEqual([...seen.filter((v) => v > 0)].sort((a, b) => a - b))
    expect(reads(stack, watched.upstream)).toBeGreaterThan(0)
    expect(reads(stack, unwatched.upstream)).toBe(0)

    conn.close()
    // Once the server has seen the stream go, a pass has nothing to poll.
    await eventually(() => stack!.bff.progress.pass(), (s) => s.polled + s.skipped + s.failed === 0, 20_000)
    const before = reads(stack, watched.upstream)
    await stack.bff.progress.pass()
    await stack.bff.progress.pass()
    expect(reads(stack, watched.upstream)).toBe(before)
    expect(reads(stack, unwatched.upstream)).toBe(0)
  })

  it("an owner's stream covers that owner's tasks only", async () => {
    stack = await startStack({ sim: SLOW, env: { PROGRESS_POLL_MS: '0', RECONCILE_ENABLED: 'false' } })
    const alices = [await boundTask(stack), await boundTask(stack)]
    const bobs = await boundTask(stack, BOB)
    await watch(`${stack.url}/v1/events`)
    const stats = await eventually(() => stack!.bff.progress.pass(), (s) => s.polled === 2, 20_000)
    expect(stats.failed).toBe(0)
    for (const t of alices) expect(reads(stack, t.upstream)).toBeGreaterThan(0)
    expect(reads(stack, bobs.upstream)).toBe(0)
  })

  it('a terminal answer from a poll finishes the task, which is then polled no more', async () => {
    stack = await startStack({ sim: { processMs: 600, progressSteps: 3, queueMs: 10 }, env: { PROGRESS_POLL_MS: '150', RECONCILE_ENABLED: 'false' } })
    // No callback ever comes for this one: only a poll can tell the BFF it is done.
    const task = await boundTask(stack, ALICE, 'quiet #no-callback')
    const conn = await watch(`${stack.url}/v1/tasks/${task.id}/events`)
    await conn.waitFor((f) => f.event === 'task.succeeded', 20_000)
    const after = reads(stack, task.upstream)
    const stats = await stack.bff.progress.pass()
    expect(stats.polled).toBe(0)
    expect(reads(stack, task.upstream)).toBe(after)
  })

  it('never asks the gateway more often than its budget allows', async () => {
    stack = await startStack({
      sim: SLOW,
      env: { PROGRESS_POLL_MS: '100', RECONCILE_ENABLED: 'false', TOMOVIEE_POLL_RATE_PER_SEC: '4', TOMOVIEE_POLL_BURST: '2', PROGRESS_POLL_CONCURRENCY: '8' }
    })
    const tasks = await Promise.all(Array.from({ length: 20 }, async () => await boundTask(stack!)))
    const total = (): number => tasks.reduce((n, t) => n + reads(stack!, t.upstream), 0)
    const startedAt = Date.now()
    await watch(`${stack.url}/v1/events`)
    await eventually(total, (n) => n >= 12, 30_000)
    const elapsedSec = (Date.now() - startedAt) / 1000
    // A token bucket of rate r and burst b lets through at most b + r * t in t seconds.
    expect(total()).toBeLessThanOrEqual(2 + 4 * elapsedSec + 1)
  })
})

describe('progress polls with several instances', () => {
  it('a task watched on two instances is polled once per period', async () => {
    prefix = testPrefix()
    const env = { PROGRESS_POLL_MS: '300', RECONCILE_ENABLED: 'false', REDIS_URL, REDIS_PREFIX: prefix }
    stack = await startStack({ sim: SLOW, env })
    const port = await freePort()
    const second = await buildApp({ config: { ...stack.config, port, publicUrl: `http://127.0.0.1:${port}` }, logger: false })
    extra.push(second)
    await second.listen({ host: '127.0.0.1', port })
    const task = await boundTask(stack)
    await watch(`${stack.url}/v1/tasks/${task.id}/events`)
    await watch(`http://127.0.0.1:${port}/v1/tasks/${task.id}/events`)

    const from = reads(stack, task.upstream)
    const startedAt = Date.now()
    await eventually(() => reads(stack!, task.upstream) - from, (n) => n >= 6, 30_000)
    const periods = (Date.now() - startedAt) / 300
    // Two instances without the lease would make about two reads per period.
    expect(reads(stack, task.upstream) - from).toBeLessThanOrEqual(Math.ceil(periods) + 2)
  })
})
