import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createMemoryEventBus } from '../../src/bus/memory.ts'
import { withCircuitBreaker } from '../../src/gateway/breaker.ts'
import type { Provider, UpstreamReport } from '../../src/providers/types.ts'
import { createSqliteStore, type SqliteStore } from '../../src/store/sqlite.ts'
import { createReconciler } from '../../src/tasks/reconciler.ts'
import { createTaskService } from '../../src/tasks/service.ts'
import { tempDbPath } from '../helper.ts'

const silent = { info () {}, warn () {}, error () {}, debug () {} }
const schedule = { overdueFactor: 1.5, deadlineFactor: 10, baseDelayMs: 10_000, maxDelayMs: 60_000 }

let store: SqliteStore
let db: ReturnType<typeof tempDbPath>
beforeEach(() => { db = tempDbPath(); store = createSqliteStore(db.path) })
afterEach(async () => { await store.close(); db.cleanup() })

/** A provider that knows one job, found by our task id, as Tencent's ListJobs finds it. */
function recoveringProvider (jobs: Map<string, string>, reads: string[]): Provider {
  const done: UpstreamReport = { status: 'succeeded', progress: 100, outputs: [{ type: 'audio', url: 'https://cdn.example/song.mp3' }] }
  return {
    id: 'tencent',
    delivery: 'callback',
    confirmCallbacks: true,
    capabilities: [],
    async create () { throw new Error('not used') },
    async get (id) { reads.push(id); return { ...done, upstreamTaskId: id } },
    parseCallback () { throw new Error('not used') },
    async recover (taskId) { return jobs.get(taskId) },
    async close () {}
  }
}

describe('reconciler with a provider that can recover', () => {
  it('finds the job of a task whose create answer was lost with recover, then applies what get reports', async () => {
    const clock = Date.parse('2026-01-01T00:00:00Z')
    const reads: string[] = []
    const guarded = withCircuitBreaker(recoveringProvider(new Map([['lost', 'job-7']]), reads), { failureThreshold: 5, cooldownMs: 1000, title: 'test provider' })
    const providers = { get: () => guarded }
    const now = () => new Date(clock + 60_000)
    const service = createTaskService({
      store, events: store, bus: createMemoryEventBus(), providers, publicUrl: 'http://bff.test', log: silent,
      maxActivePerOwner: 100, verifyCallbacks: true, urlPolicy: { httpAllowHosts: [] }, schedule, idempotencyTtlMs: 60_000, createRetries: 0, now
    })
    const reconciler = createReconciler({ tasks: service.reconciliation, providers, log: silent, now, schedule, intervalMs: 1000, concurrency: 1 })
    const at = new Date(clock).toISOString()
    for (const id of ['lost', 'unknown']) {
      await store.create({
        id, owner: 'alice', capability: 'tencent-image-to-music', provider: 'tencent', status: 'queued', progress: 0, input: {}, outputs: [], error: null,
        upstreamTaskId: null, callbackTokenHash: 'x', createdAt: at, updatedAt: at, version: 1, nextCheckAt: clock + 30_000, deadlineAt: clock + 600_000, checkAttempts: 0
      }, { maxActive: 10, now: clock })
    }
    expect(await reconciler.tick()).toBe(2)
    expect(reads).toEqual(['job-7'])
    expect(await store.get('lost')).toMatchObject({ status: 'succeeded', upstreamTaskId: 'job-7', outputs: [{ type: 'audio', url: 'https://cdn.example/song.mp3' }] })
    // No job upstream: nothing to read, the task waits for its deadline.
    expect(await store.get('unknown')).toMatchObject({ status: 'queued', upstreamTaskId: null, checkAttempts: 1 })
  })
})
