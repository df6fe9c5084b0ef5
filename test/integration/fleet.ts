import { mkdtempSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import { buildSimulator } from '../../src/providers/tomoviee/simulator/app.ts'
import { createRedisStore } from '../../src/store/redis.ts'
import type { TaskEvent } from '../../src/tasks/model.ts'
import { ALICE, APP_KEY, APP_SECRET, bearer, freePort } from '../helper.ts'
import { spawnBff, type BffProcess } from '../process.ts'
import { startRedisServer, testPrefix } from '../redis-helper.ts'
import { openSse, type SseConnection } from '../sse-client.ts'

/*
 * Support for the crash tests of issue #11: BFF processes on a private, durable Redis, a simulated
 * gateway whose callbacks the test sends itself (to whichever instance), and streams that count
 * what they received across reconnects.
 */
export const CATCH_UP_MS = 1000

export interface Instance { name: string, url: string, port: number, proc: BffProcess, env: Record<string, string> }

export interface Fleet {
  sim: FastifyInstance
  redisUrl: string
  /** The log as Redis holds it: the truth every stream is compared with. */
  log: () => Promise<TaskEvent[]>
  lastId: () => Promise<number>
  /** SIGKILLs Redis and starts it again on its append-only file, once `whileDown` resolves. */
  restartRedis: (whileDown: () => Promise<void>) => Promise<void>
  spawn: (name: string, env?: Record<string, string>, port?: number) => Promise<Instance>
  close: () => Promise<void>
}

export async function startFleet (redisPort: number): Promise<Fleet> {
  const dir = mkdtempSync(join(tmpdir(), 'bff-fleet-'))
  let redis = await startRedisServer(redisPort, dir)
  const redisUrl = `redis://127.0.0.1:${redisPort}`
  const prefix = testPrefix()
  // The gateway never calls back by itself ('#hang' tasks): the test sends every callback.
  const sim = await buildSimulator({ appKey: APP_KEY, appSecret: APP_SECRET, queueMs: 30, processMs: 150, progressSteps: 2 })
  await sim.listen({ host: '127.0.0.1', port: 0 })
  const simUrl = `http://127.0.0.1:${(sim.server.address() as AddressInfo).port}`
  const reader = new Redis(redisUrl, { maxRetriesPerRequest: 1 })
  reader.on('error', () => {}) // Redis is down on purpose in some tests
  const store = createRedisStore(reader, { prefix, maxEventsPerOwner: 100_000, maxEventsPerTask: 10_000 })
  const procs: BffProcess[] = []

  return {
    sim,
    redisUrl,
    log: () => store.after({ owner: ALICE.owner }, 0, 1_000_000),
    lastId: () => store.lastId(),
    async restartRedis (whileDown) {
      await redis.stop()
      await whileDown()
      redis = await startRedisServer(redisPort, dir)
    },
    async spawn (name, extra = {}, port) {
      port ??= await freePort()
      const url = `http://127.0.0.1:${port}`
      const env = {
        PORT: String(port),
        HOST: '127.0.0.1',
        PUBLIC_URL: url,
        TOMOVIEE_BASE_URL: simUrl,
        TOMOVIEE_APP_KEY: APP_KEY,
        TOMOVIEE_APP_SECRET: APP_SECRET,
        API_KEYS: `${ALICE.owner}:${ALICE.key}`,
        REDIS_URL: redisUrl,
        REDIS_PREFIX: prefix,
        EVENT_HISTORY_PER_OWNER: '100000',
        MEDIA_DIR: join(dir, 'media'),
        WEBHOOK_VERIFY: 'false',
        RECONCILE_ENABLED: 'false',
        PROGRESS_POLL_MS: '0',
        SSE_CATCH_UP_MS: String(CATCH_UP_MS),
        SSE_MAX_STREAMS_PER_OWNER: '1000',
        RATE_LIMIT_MAX: '1000000',
        RATE_LIMIT_OWNER_MAX: '1000000',
        RATE_LIMIT_CREATE_MAX: '1000000',
        MAX_ACTIVE_TASKS_PER_OWNER: '100000',
        ...extra
      }
      // Generous: a restart competes with the load, and the machine with other suites.
      const proc = await spawnBff(env, url, 90_000)
      procs.push(proc)
      return { name, url, port, proc, env }
    },
    async close () {
      for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) { p.child.kill('SIGKILL'); await p.exited }
      await sim.close()
      reader.disconnect()
      await redis.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** The id of the event a kill-seamed process committed and never published, from its last words. */
export function unpublishedEventOf (inst: Instance): number {
  const m = /SIGKILL after committing event (\d+)/.exec(inst.proc.output())
  if (!m) throw new Error(`${inst.name} died without the kill seam's line:\n${inst.proc.output()}`)
  return Number(m[1])
}

export async function create (inst: Instance, text: string): Promise<string> {
  const res = await fetch(`${inst.url}/v1/tasks/text-to-speech`, { method: 'POST', headers: { ...bearer(), 'content-type': 'application/json' }, body: JSON.stringify({ text }) })
  if (res.status !== 202) throw new Error(`create on ${inst.name} answered ${res.status}: ${await res.text()}`)
  return ((await res.json()) as { id: string }).id
}

/**
 * The gateway's side: one callback for a task, to `first` and, while that one does not take it
 * (down, restarting), to the others in turn, as a gateway retrying through a load balancer would.
 */
export async function callback (sim: FastifyInstance, targets: () => Instance[], taskId: string, payload: Record<string, unknown>): Promise<void> {
  const entry = [...sim.simulator.tasks.entries()].find(([, t]) => t.body.params === taskId)
  if (!entry) throw new Error(`the simulator has no task for ${taskId}`)
  const { pathname, search } = new URL(String(entry[1].body.callback))
  const body = JSON.stringify({ task_id: entry[0], params: taskId, ...payload })
  const deadline = Date.now() + 60_000
  let last = ''
  for (let attempt = 0; ; attempt++) {
    const list = targets()
    const to = list[attempt % list.length]!
    try {
      const res = await fetch(`${to.url}${pathname}${search}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
      last = `${to.name} answered ${res.status}: ${await res.text()}`
      if (res.ok) return
    } catch (err) {
      last = `${to.name}: ${String(err)}`
    }
    if (Date.now() > deadline) throw new Error(`callback for ${taskId} never accepted; last: ${last}`)
    if (attempt % list.length === list.length - 1) await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/**
 * One client's view of a stream across the instance's deaths: when the connection drops, it
 * reconnects (to the same instance, once it is back) with Last-Event-ID, as EventSource would.
 */
export interface Watcher { name: string, taskId?: string | undefined, ids: () => number[], reconnects: () => number, close: () => void }

export function watcher (name: string, at: () => Instance, path: string, taskId?: string): Promise<Watcher> {
  const segments: SseConnection[] = []
  let closed = false
  const ids = (): number[] => segments.flatMap((s) => s.events().map((e) => e.id))
  const finished = (): boolean => segments.some((s) => s.events().some((e) => e.data.status === 'failed'))
  let resolveFirst = (): void => {}
  let rejectFirst = (_err: unknown): void => {}
  const first = new Promise<void>((resolve, reject) => { resolveFirst = resolve; rejectFirst = reject })
  void (async () => {
    while (!closed && !(taskId && finished())) {
      const last = ids().at(-1)
      try {
        const sse = await openSse(`${at().url}${path}`, { ...bearer(), ...(last !== undefined ? { 'last-event-id': String(last) } : {}) })
        if (sse.status !== 200) throw new Error(`${name}: stream answered ${sse.status}`)
        segments.push(sse)
        await sse.waitFor((f) => f.retry !== undefined, 30_000)
        if (segments.length === 1) resolveFirst()
        await sse.ended
      } catch (err) {
        if (segments.length === 0) { rejectFirst(err); return }
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
  })()
  return first.then(() => ({
    name,
    taskId,
    ids,
    reconnects: () => segments.length - 1,
    close () { closed = true; for (const s of segments) s.close() }
  }))
}

export interface Tally { stream: string, expected: number, received: number, missed: number, repeated: number, outOfOrder: number, reconnects: number }

export function tally (log: TaskEvent[], watchers: Watcher[]): Tally[] {
  return watchers.map((w) => {
    const truth = log.filter((e) => w.taskId === undefined || e.task.id === w.taskId).map((e) => e.id)
    const got = w.ids()
    const seen = new Set(got)
    let outOfOrder = 0
    for (let i = 1; i < got.length; i++) if (got[i]! <= got[i - 1]!) outOfOrder++
    return { stream: w.name, expected: truth.length, received: got.length, missed: truth.filter((id) => !seen.has(id)).length, repeated: got.length - seen.size, outOfOrder, reconnects: w.reconnects() }
  })
}
