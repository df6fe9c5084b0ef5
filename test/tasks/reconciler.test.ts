import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createMemoryEventBus } from '../../src/bus/memory.ts'
import { GatewayError } from '../../src/gateway/errors.ts'
import { createTomovieeProvider } from '../../src/providers/tomoviee/provider.ts'
import type { GatewayClient, UpstreamTask } from '../../src/providers/tomoviee/types.ts'
import { withCircuitBreaker } from '../../src/gateway/breaker.ts'
import { createSqliteStore, type SqliteStore } from '../../src/store/sqlite.ts'
import { findCapability } from '../../src/tasks/capabilities/index.ts'
import { createReconciler } from '../../src/tasks/reconciler.ts'
import { nextCheckAt, type SchedulePolicy } from '../../src/tasks/schedule.ts'
import { createTaskService } from '../../src/tasks/service.ts'
import { tempDbPath } from '../helper.ts'

const silent = { info () {}, warn () {}, error () {}, debug () {} }
// text-to-speech: typical max 30 s, so overdue after 45 s and the deadline at 300 s.
const schedule: SchedulePolicy = { overdueFactor: 1.5, deadlineFactor: 10, baseDelayMs: 10_000, maxDelayMs: 60_000 }
const tts = findCapability('text-to-speech')!

let clock: number
let upstream: Map<string, UpstreamTask>
let polls: string[]
let down: boolean
let store: SqliteStore
let db: ReturnType<typeof tempDbPath>

const gateway: GatewayClient = {
  async createTask () {
    const id = `up-${upstream.size + 1}`
    upstream.set(id, { status: 1 })
    return id
  },
  async getTask (id) {
    polls.push(id)
    if (down) throw new GatewayError('BFF_ERR_UPSTREAM_UNAVAILABLE', 'down', { sent: false })
    return upstream.get(id)!
  },
  async close () {}
}

// The ToMoviee provider around the scripted gateway, as the app builds it.
const providers = { get: () => withCircuitBreaker(createTomovieeProvider(gateway), { failureThreshold: 1000, cooldownMs: 1, title: 'ToMoviee' }) }

function build () {
  const now = () => new Date(clock)
  const service = createTaskService({
    store, events: store, bus: createMemoryEventBus(), providers, publicUrl: 'http://bff.test', log: silent,
    maxActivePerOwner: 100, verifyCallbacks: false, urlPolicy: { httpAllowHosts: [] }, schedule,
    idempotencyTtlMs: 60_000, createRetries: 0, now
  })
  const reconciler = createReconciler({ tasks: service.reconciliation, providers, log: silent, now, schedule, intervalMs: 1000, concurrency: 2 })
  return { service, reconciler }
}

beforeEach(() => {
  clock = Date.parse('2026-01-01T00:00:00Z')
  upstream = new Map()
  polls = []
  down = false
  db = tempDbPath()
  store = createSqliteStore(db.path)
})
afterEach(async () => {
  await store.close()
  db.cleanup()
})

describe('reconciler', () => {
  it('leaves a task alone until its callback is overdue, then applies what the gateway reports', async () => {
    const { service, reconciler } = build()
    const { task } = await service.create('alice', tts, { text: 'hi' })
    upstream.set('up-1', { status: 3, result: { audio_path: ['https://cdn.example/a.mp3'] } })
    clock += 44_000
    expect(await reconciler.tick()).toBe(0)
    expect(polls).toEqual([])
    clock += 2_000
    expect(await reconciler.tick()).toBe(1)
    const after = await service.get('alice', task.id)
    expect(after).toMatchObject({ status: 'succeeded', outputs: [{ type: 'audio', url: 'https://cdn.example/a.mp3' }] })
    expect((await store.get(task.id))!.nextCheckAt).toBeNull()
    clock += 1_000_000
    expect(await reconciler.tick()).toBe(0)
  })

  it('backs off between polls of an unfinished task and reports its progress', async () => {
    const { service, reconciler } = build()
    const { task } = await service.create('alice', tts, { text: 'slow' })
    upstream.set('up-1', { status: 2, progress: 40 })
    clock += 46_000
    await reconciler.tick()
    const first = (await store.get(task.id))!
    expect(first).toMatchObject({ status: 'processing', progress: 40, checkAttempts: 1 })
    const gap = first.nextCheckAt! - clock
    expect(gap).toBeGreaterThanOrEqual(5_000)
    expect(gap).toBeLessThanOrEqual(15_000)
    clock = first.nextCheckAt!
    await reconciler.tick()
    const second = (await store.get(task.id))!
    expect(second.checkAttempts).toBe(2)
    expect(second.nextCheckAt! - clock).toBeGreaterThanOrEqual(10_000)
    expect(polls).toHaveLength(2)
  })

  it('times a task out at its deadline with a clear error', async () => {
    const { service, reconciler } = build()
    const { task } = await service.create('alice', tts, { text: 'never' })
    upstream.set('up-1', { status: 2, progress: 10 })
    for (let i = 0; i < 100 && (await store.get(task.id))!.nextCheckAt !== null; i++) {
      clock = Math.max(clock, (await store.get(task.id))!.nextCheckAt!)
      await reconciler.tick()
    }
    const done = (await store.get(task.id))!
    expect(done.status).toBe('timed_out')
    expect(done.error).toEqual({ code: 'BFF_ERR_TASK_TIMED_OUT', message: 'No result from the gateway within 300 s' })
    expect(clock - Date.parse(done.createdAt)).toBe(300_000)
  })

  it('keeps rescheduling through a gateway outage and recovers afterwards', async () => {
    const { service, reconciler } = build()
    const { task } = await service.create('alice', tts, { text: 'outage' })
    down = true
    clock += 46_000
    await reconciler.tick()
    expect((await store.get(task.id))!).toMatchObject({ status: 'queued', checkAttempts: 1 })
    down = false
    upstream.set('up-1', { status: 4, reason: 'content policy' })
    clock = (await store.get(task.id))!.nextCheckAt!
    await reconciler.tick()
    expect(await service.get('alice', task.id)).toMatchObject({ status: 'failed', error: { code: 'BFF_ERR_TASK_FAILED', message: 'content policy' } })
  })

  it('resumes after a restart from the schedule kept in the store', async () => {
    const { service } = build()
    const { task } = await service.create('alice', tts, { text: 'restart' })
    await store.close()
    store = createSqliteStore(db.path)
    const { reconciler } = build()
    upstream.set('up-1', { status: 3, result: { audio_path: ['https://cdn.example/b.mp3'] } })
    clock += 46_000
    expect(await reconciler.tick()).toBe(1)
    expect((await store.get(task.id))!.status).toBe('succeeded')
  })

  it('gives up a task whose create never got an upstream id, at the deadline', async () => {
    const { reconciler } = build()
    const nowMs = clock
    await store.create({
      id: 'orphan', owner: 'alice', capability: 'text-to-speech', provider: 'tomoviee', status: 'queued', progress: 0, input: { text: 'x' }, outputs: [], error: null,
      upstreamTaskId: null, callbackTokenHash: 'x', createdAt: new Date(nowMs).toISOString(), updatedAt: new Date(nowMs).toISOString(),
      version: 1, nextCheckAt: nowMs + 45_000, deadlineAt: nowMs + 300_000, checkAttempts: 0
    }, { maxActive: 10, now: nowMs })
    clock += 46_000
    await reconciler.tick()
    expect(polls).toEqual([])
    clock += 300_000
    await reconciler.tick()
    expect((await store.get('orphan'))!).toMatchObject({ status: 'timed_out', error: { message: 'The BFF stopped before the gateway confirmed the task, and no callback came' } })
  })
})

describe('nextCheckAt', () => {
  it('doubles the delay with jitter, caps it and never passes the deadline', () => {
    const p: SchedulePolicy = { overdueFactor: 1, deadlineFactor: 10, baseDelayMs: 1000, maxDelayMs: 8000 }
    const mid = () => 0.5
    expect([0, 1, 2, 3, 4, 10].map((a) => nextCheckAt(a, 0, 1e9, p, mid))).toEqual([1000, 2000, 4000, 8000, 8000, 8000])
    expect(nextCheckAt(0, 0, 1e9, p, () => 0)).toBe(500)
    expect(nextCheckAt(0, 0, 1e9, p, () => 0.999)).toBe(1499)
    expect(nextCheckAt(3, 0, 3000, p, mid)).toBe(3000)
  })
})
