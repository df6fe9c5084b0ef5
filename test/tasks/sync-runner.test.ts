import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BffError } from '../../src/errors.ts'
import { GatewayError } from '../../src/gateway/errors.ts'
import type { CreateOutcome, CreateRequest, UpstreamReport } from '../../src/providers/types.ts'
import { createSyncRunner, type SyncJob, type SyncRunnerOptions } from '../../src/tasks/sync-runner.ts'
import { edrawmaxProviderFor, startEdrawmaxSimulator } from '../providers/edrawmax/harness.ts'

interface Deferred { request: CreateRequest, resolve: (o: CreateOutcome) => void, reject: (e: unknown) => void }

/** A provider whose calls finish when the test says so, recording how many overlap. */
function fakeProvider (id: string) {
  const pending: Deferred[] = []
  let inFlight = 0
  let maxInFlight = 0
  return {
    id,
    pending,
    get maxInFlight () { return maxInFlight },
    async create (request: CreateRequest): Promise<CreateOutcome> {
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      try {
        return await new Promise<CreateOutcome>((resolve, reject) => { pending.push({ request, resolve, reject }) })
      } finally {
        inFlight--
      }
    }
  }
}

const ok: CreateOutcome = { report: { status: 'succeeded', progress: 100, outputs: [{ type: 'image', url: 'https://a.edrawmax.com/x.png' }] } }
const job = (provider: SyncJob['provider'], deadlineAt = Date.now() + 60_000): SyncJob =>
  ({ provider, request: { taskId: randomUUID(), capability: 'c', input: {}, deadlineAt } })

function harness (overrides: Partial<SyncRunnerOptions> = {}) {
  const applied: { taskId: string, report: UpstreamReport }[] = []
  const started: string[] = []
  const logged: { level: string, msg: string }[] = []
  const runner = createSyncRunner({
    concurrencyOf: () => 2,
    maxQueued: 3,
    apply: async (taskId, report) => { applied.push({ taskId, report }) },
    onStart: async (taskId) => { started.push(taskId) },
    applyRetryDelayMs: 5,
    log: { warn: (_o: object, msg: string) => { logged.push({ level: 'warn', msg }) }, error: (_o: object, msg: string) => { logged.push({ level: 'error', msg }) } } as never,
    ...overrides
  })
  const reportOf = (taskId: string) => applied.find((a) => a.taskId === taskId)?.report
  return { runner, applied, started, logged, reportOf }
}

describe('sync runner', () => {
  it('keeps at most the configured calls in flight per provider, queues the rest in order, and refuses past the queue bound', async () => {
    const { runner, applied, started } = harness()
    const a = fakeProvider('a')
    const jobs = Array.from({ length: 5 }, () => job(a))
    expect(jobs.map((j) => runner.submit(j))).toEqual(['accepted', 'accepted', 'accepted', 'accepted', 'accepted'])
    expect(runner.submit(job(a))).toBe('full')
    expect(runner.stats()).toEqual({ running: { a: 2 }, queued: 3 })
    await expect.poll(() => a.pending.length).toBe(2)
    for (let done = 0; done < 5; done++) {
      await expect.poll(() => a.pending.length).toBeGreaterThan(0)
      a.pending.shift()!.resolve(ok)
      await expect.poll(() => applied.length).toBe(done + 1)
    }
    expect(a.maxInFlight).toBe(2)
    expect(started).toEqual(jobs.map((j) => j.request.taskId))
    expect(applied.map((x) => x.taskId)).toEqual(jobs.map((j) => j.request.taskId))
    expect(runner.stats()).toEqual({ running: {}, queued: 0 })
  })

  it('gives each provider its own lane', async () => {
    const { runner, applied } = harness({ concurrencyOf: (id) => (id === 'slow' ? 1 : 3) })
    const slow = fakeProvider('slow')
    const fast = fakeProvider('fast')
    runner.submit(job(slow))
    runner.submit(job(slow))
    const quick = [job(fast), job(fast), job(fast)]
    for (const j of quick) runner.submit(j)
    await expect.poll(() => fast.pending.length).toBe(3)
    for (const p of fast.pending.splice(0)) p.resolve(ok)
    await expect.poll(() => applied.length).toBe(3)
    expect(slow.pending).toHaveLength(1)
    slow.pending.shift()!.resolve(ok)
    await expect.poll(() => slow.pending.length).toBe(1)
    slow.pending.shift()!.resolve(ok)
    await expect.poll(() => applied.length).toBe(5)
  })

  it('runs a task once however often it is submitted while waiting or in flight', async () => {
    const { runner, applied } = harness({ concurrencyOf: () => 1 })
    const a = fakeProvider('a')
    const first = job(a)
    const second = job(a)
    expect([runner.submit(first), runner.submit(first), runner.submit(second), runner.submit(second)]).toEqual(['accepted', 'duplicate', 'accepted', 'duplicate'])
    expect(runner.has(second.request.taskId)).toBe(true)
    await expect.poll(() => a.pending.length).toBe(1)
    a.pending.shift()!.resolve(ok)
    await expect.poll(() => a.pending.length).toBe(1)
    a.pending.shift()!.resolve(ok)
    await expect.poll(() => applied.length).toBe(2)
    expect(runner.has(first.request.taskId)).toBe(false)
  })

  it('turns every way a call can end into a report for the task service', async () => {
    const { runner, reportOf, logged } = harness({ concurrencyOf: () => 10, maxQueued: 10 })
    const a = fakeProvider('a')
    const [gateway, bff, bug, async, success] = [job(a), job(a), job(a), job(a), job(a)]
    for (const j of [gateway, bff, bug, async, success]) runner.submit(j)
    await expect.poll(() => a.pending.length).toBe(5)
    const by = (j: SyncJob) => a.pending.find((p) => p.request.taskId === j.request.taskId)!
    by(gateway).reject(new GatewayError('BFF_ERR_UPSTREAM_UNAVAILABLE', 'EdrawMax failed internally', { sent: true, upstreamCode: 500 }))
    by(bff).reject(new BffError('BFF_ERR_VALIDATION'))
    by(bug).reject(new TypeError('secret detail of a bug'))
    by(async).resolve({ upstreamTaskId: 'job-1' })
    by(success).resolve(ok)
    await expect.poll(() => [gateway, bff, bug, async, success].every((j) => reportOf(j.request.taskId))).toBe(true)
    expect(reportOf(gateway.request.taskId)).toEqual({ status: 'failed', error: { code: 'BFF_ERR_UPSTREAM_UNAVAILABLE', message: 'EdrawMax failed internally' } })
    expect(reportOf(bff.request.taskId)?.error?.code).toBe('BFF_ERR_VALIDATION')
    expect(reportOf(bug.request.taskId)).toEqual({ status: 'failed', error: { code: 'BFF_ERR_INTERNAL', message: 'Internal error' } })
    expect(reportOf(async.request.taskId)).toEqual({ status: 'processing', upstreamTaskId: 'job-1' })
    expect(reportOf(success.request.taskId)).toEqual(ok.report)
    expect(logged.filter((l) => l.msg === 'background create failed').map((l) => l.level).sort()).toEqual(['error', 'warn', 'warn'])
  })

  it('times a task out without calling when it waited past its deadline', async () => {
    let clock = 1_000_000
    const { runner, reportOf } = harness({ concurrencyOf: () => 1, now: () => clock })
    const a = fakeProvider('a')
    const blocker = job(a, clock + 60_000)
    const late = job(a, clock + 50)
    runner.submit(blocker)
    runner.submit(late)
    await expect.poll(() => a.pending.length).toBe(1)
    clock += 51
    a.pending.shift()!.resolve(ok)
    await expect.poll(() => reportOf(late.request.taskId)).toMatchObject({ status: 'timed_out', error: { code: 'BFF_ERR_TASK_TIMED_OUT' } })
    expect(a.pending).toHaveLength(0)
  })

  it('retries recording the outcome, then logs and moves on', async () => {
    let failures = 2
    const applied: string[] = []
    const { runner, logged } = harness({
      concurrencyOf: () => 1,
      apply: async (taskId) => {
        if (failures-- > 0) throw new BffError('BFF_ERR_STORE_UNAVAILABLE')
        applied.push(taskId)
      }
    })
    const a = fakeProvider('a')
    const recovered = job(a)
    runner.submit(recovered)
    await expect.poll(() => a.pending.length).toBe(1)
    a.pending.shift()!.resolve(ok)
    await expect.poll(() => applied).toEqual([recovered.request.taskId])

    failures = 100
    const lost = job(a)
    const next = job(a)
    runner.submit(lost)
    runner.submit(next)
    await expect.poll(() => a.pending.length).toBe(1)
    a.pending.shift()!.resolve(ok)
    await expect.poll(() => logged.some((l) => l.msg === 'background create outcome could not be recorded')).toBe(true)
    // The lane is free again for the next job.
    await expect.poll(() => a.pending.length).toBe(1)
    failures = 0
    a.pending.shift()!.resolve(ok)
    await expect.poll(() => applied).toContain(next.request.taskId)
  })

  it('still calls the provider when marking the task processing fails', async () => {
    const { runner, reportOf } = harness({ onStart: async () => { throw new BffError('BFF_ERR_STORE_UNAVAILABLE') } })
    const a = fakeProvider('a')
    const j = job(a)
    runner.submit(j)
    await expect.poll(() => a.pending.length).toBe(1)
    a.pending.shift()!.resolve(ok)
    await expect.poll(() => reportOf(j.request.taskId)?.status).toBe('succeeded')
  })

  it('on close, waits for calls in flight, drops waiting jobs and takes no new ones', async () => {
    const { runner, applied } = harness({ concurrencyOf: () => 1 })
    const a = fakeProvider('a')
    const inFlight = job(a)
    const waitingJob = job(a)
    runner.submit(inFlight)
    runner.submit(waitingJob)
    await expect.poll(() => a.pending.length).toBe(1)
    const closing = runner.close(10_000)
    expect(runner.submit(job(a))).toBe('closed')
    expect(runner.has(waitingJob.request.taskId)).toBe(false)
    a.pending.shift()!.resolve(ok)
    expect(await closing).toBe(true)
    expect(applied.map((x) => x.taskId)).toEqual([inFlight.request.taskId])
    expect(a.pending).toHaveLength(0)

    const { runner: stuck } = harness()
    const b = fakeProvider('b')
    stuck.submit(job(b))
    await expect.poll(() => b.pending.length).toBe(1)
    expect(await stuck.close(30)).toBe(false)
  })
})

describe('sync runner with the EdrawMax provider and simulator', () => {
  let sim: Awaited<ReturnType<typeof startEdrawmaxSimulator>>
  beforeAll(async () => { sim = await startEdrawmaxSimulator({ delayMs: 200 }) })
  afterAll(async () => { await sim.sim.close() })

  it('bounds the calls the simulator sees and delivers every finished diagram', async () => {
    const provider = edrawmaxProviderFor(sim.baseUrl)
    let inFlight = 0
    let max = 0
    const counted = {
      id: provider.id,
      async create (req: CreateRequest) {
        inFlight++
        max = Math.max(max, inFlight)
        try { return await provider.create(req) } finally { inFlight-- }
      }
    }
    const applied = new Map<string, UpstreamReport>()
    const runner = createSyncRunner({ concurrencyOf: () => 2, maxQueued: 20, apply: async (id, r) => { applied.set(id, r) }, log: { warn () {}, error () {} } as never })
    const ids = Array.from({ length: 6 }, (_, i) => {
      const taskId = randomUUID()
      runner.submit({ provider: counted, request: { taskId, capability: 'edrawmax-flowchart', input: { prompt: `Runner ${i}: a, b, c` }, owner: `owner-${i}`, deadlineAt: Date.now() + 60_000 } })
      return taskId
    })
    await expect.poll(() => applied.size, { timeout: 30_000 }).toBe(6)
    expect(ids.map((id) => applied.get(id)?.status)).toEqual(Array(6).fill('succeeded'))
    expect(max).toBe(2)
    expect(await runner.close(1000)).toBe(true)
    await provider.close()
  })
})
