/**
 * Scenario "storm": N clients over 100 owners follow `GET /v1/events`; the BFF restarts, callbacks
 * arrive for every task while the clients are away, and then all N come back at once with
 * `Last-Event-ID` while more callbacks keep arriving. Measured: from the release until every
 * client has caught up (has the newest event of before the release), against the time a raw
 * node:http server (test/bench/raw-broadcast.ts, the same backlog) takes to accept N streams
 * opened at once. Afterwards each client's events since its resume are compared with its owner's
 * log in the SQLite file: nothing lost, nothing repeated, in order.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createSqliteStore } from '../../src/store/sqlite.ts'
import { nowMs, percentile, sleep, type Child } from './common.ts'
import { P, VIDEO_BODY, freshDb, keyOf } from './options.ts'
import { measured, post } from './servers.ts'

export interface StormRound {
  /** From the release: every stream open (200), and (BFF) every client caught up; ms. */
  openLast: number
  openP50: number
  openP99: number
  caughtLast: number
  caughtP50: number
  caughtP99: number
  retries: number
  statuses: Record<string, number>
  /** BFF rounds: the check against the owners' logs, and the callbacks sent during the storm. */
  check?: { lost: number, repeated: number, unexpected: number, resets: number, wrong: number, received: number }
  live?: { sent: number, ackP99: number }
  /** The listening socket's accept queue as the kernel reports it (ss), or undefined. */
  backlog?: number | undefined
}

export interface StormDeps {
  sim: Child & { url: string }
  clients: Child[]
  startBff: (owners: string[], opts: { port: number, env: Record<string, string> }) => Promise<Child & { url: string }>
  startRaw: (env: Record<string, string>) => Promise<Child & { url: string }>
  freePort: () => Promise<number>
  backlog: number
}

interface Target { owner: string, taskId: string, upstreamTaskId: string, callback: string }

/** One task per owner, with the callback URL the simulator was given for it. */
async function createTasks (deps: StormDeps, url: string, owners: string[]): Promise<Target[]> {
  const ids = new Map<string, string>()
  for (const owner of owners) {
    const res = await post(`${url}/v1/tasks/video-scoring`, VIDEO_BODY, { authorization: `Bearer ${keyOf(owner)}` })
    if (res.status !== 202) throw new Error(`create answered ${res.status}: ${JSON.stringify(res.json)}`)
    ids.set((res.json as { id: string }).id, owner)
  }
  const sims = await deps.sim.call<{ upstreamTaskId: string, taskId: string, callback: string }[]>('callbacks')
  const targets = sims.filter((t) => ids.has(t.taskId)).map((t) => ({ ...t, owner: ids.get(t.taskId)! }))
  if (targets.length !== owners.length) throw new Error(`found ${targets.length} callback URLs for ${owners.length} tasks`)
  return targets
}

/** A status 2 callback that must change the task; resolves to its ack latency in ms. */
async function callback (t: Target, p: number): Promise<number> {
  const start = nowMs()
  const res = await post(t.callback, JSON.stringify({ task_id: t.upstreamTaskId, status: 2, progress: p, params: t.taskId }))
  if (res.status !== 200 || (res.json as { changed?: boolean }).changed !== true) throw new Error(`callback answered ${res.status} ${JSON.stringify(res.json)}`)
  return nowMs() - start
}

async function callbackAll (targets: Target[], p: number): Promise<void> {
  for (let i = 0; i < targets.length; i += 20) await Promise.all(targets.slice(i, i + 20).map((t) => callback(t, p)))
}

/** Callbacks round-robin over the tasks, one every `intervalMs`, progress rising from `from`, until stopped. */
function liveCallbacks (targets: Target[], from: number, intervalMs: number): { stop: () => Promise<{ sent: number, ackP99: number, top: number }> } {
  let stopped = false
  let failure: unknown
  const acks: Promise<number>[] = []
  const chains: Promise<number>[] = []
  const loop = (async () => {
    for (let i = 0; !stopped; i++) {
      const p = from + Math.floor(i / targets.length)
      // 99 is the last progress of a running task; the final callback needs one step more.
      if (p >= 98) break
      // One task's callbacks go one after another: an answer slower than a lap of the tasks must
      // not let the next progress overtake it (the older one would then change nothing).
      const k = i % targets.length
      const ack = (chains[k] ?? Promise.resolve(0)).then(() => callback(targets[k]!, p))
        // Caught at once (an unhandled rejection would end the process); reported by stop().
        .catch((err: unknown) => { failure ??= err; return Number.NaN })
      chains[k] = ack
      acks.push(ack)
      await sleep(intervalMs)
    }
  })()
  return {
    async stop () {
      stopped = true
      await loop
      const latencies = await Promise.all(acks)
      if (failure !== undefined) throw failure instanceof Error ? failure : new Error(String(failure))
      return { sent: acks.length, ackP99: percentile(latencies, 99), top: from + Math.floor(Math.max(0, acks.length - 1) / targets.length) }
    }
  }
}

const share = <T>(items: T[], parts: number): T[][] => {
  const out: T[][] = Array.from({ length: parts }, () => [])
  items.forEach((item, i) => out[i % parts]!.push(item))
  return out
}

interface StormAnswer { opened: number, retries: number, statuses: Record<string, number>, openAt: number[], caughtAt: number[] }

/** Releases every client process at once and summarises their answers against the release time. */
async function storm (clients: Child[], args: (i: number) => Record<string, unknown>): Promise<StormRound> {
  const t0 = nowMs()
  const answers = await Promise.all(clients.map((c, i) => c.call<StormAnswer>('storm', { ...args(i), timeoutMs: P.storm.timeoutMs }, P.storm.timeoutMs + 30_000)))
  const open = answers.flatMap((a) => a.openAt).map((t) => t - t0)
  const caught = answers.flatMap((a) => a.caughtAt).map((t) => t - t0)
  const statuses: Record<string, number> = {}
  for (const a of answers) for (const [k, v] of Object.entries(a.statuses)) statuses[k] = (statuses[k] ?? 0) + v
  const opened = answers.reduce((n, a) => n + a.opened, 0)
  const missing = caught.filter((t) => !Number.isFinite(t)).length
  if (opened < open.length || missing > 0) throw new Error(`${opened} of ${open.length} streams open, ${missing} not caught up after ${P.storm.timeoutMs} ms (statuses ${JSON.stringify(statuses)})`)
  return {
    openLast: Math.max(...open), openP50: percentile(open, 50), openP99: percentile(open, 99),
    caughtLast: Math.max(...caught), caughtP50: percentile(caught, 50), caughtP99: percentile(caught, 99),
    retries: answers.reduce((n, a) => n + a.retries, 0),
    statuses
  }
}

/** The accept queue of the socket listening on `port` (ss: Send-Q of a LISTEN socket). */
function listenBacklog (port: number): number | undefined {
  try {
    const out = execFileSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' })
    const q = Number(out.trim().split(/\s+/)[2])
    return Number.isFinite(q) ? q : undefined
  } catch {
    return undefined
  }
}

/** Every event id of each owner, from the file the BFF wrote (read after it stopped). */
async function ownerLogs (dbPath: string, owners: string[]): Promise<Record<string, number[]>> {
  const store = createSqliteStore(dbPath)
  try {
    const out: Record<string, number[]> = {}
    for (const owner of owners) out[owner] = (await store.after({ owner }, 0, 1_000_000)).map((e) => e.id)
    return out
  } finally {
    await store.close()
  }
}

export async function bffStormRound (deps: StormDeps, n: number): Promise<StormRound> {
  const owners = Array.from({ length: P.storm.owners }, (_, i) => `storm${i}`)
  const port = await deps.freePort()
  const env = { DATABASE_PATH: freshDb() }
  let bff = await deps.startBff(owners, { port, env })
  const { clients } = deps
  try {
    const targets = await createTasks(deps, bff.url, owners)
    const specs = Array.from({ length: n }, (_, i) => ({ port, path: '/v1/events', auth: keyOf(owners[i % owners.length]!), owner: owners[i % owners.length]! }))
    const first = await Promise.all(share(specs, clients.length).map((conns, i) => clients[i]!.call<{ opened: number }>('open', { conns, concurrency: P.storm.openConcurrency }, 180_000)))
    if (first.reduce((s, a) => s + a.opened, 0) !== n) throw new Error(`${first.reduce((s, a) => s + a.opened, 0)} of ${n} streams opened before the restart`)
    await callbackAll(targets, 1)
    const seen = await Promise.all(clients.map((c) => c.call<{ missing: number }>('reach', { progress: 1, timeoutMs: 60_000 }, 70_000)))
    if (seen.some((a) => a.missing > 0)) throw new Error('not every stream got the first event before the restart')

    await bff.stop()
    await Promise.all(clients.map((c) => c.call('closed', { timeoutMs: 30_000 }, 40_000)))
    bff = await deps.startBff(owners, { port, env })
    const backlog = listenBacklog(port)
    for (let p = 2; p < 2 + P.storm.missed; p++) await callbackAll(targets, p)
    const caughtUpAt = 1 + P.storm.missed
    const live = liveCallbacks(targets, caughtUpAt + 1, P.storm.liveIntervalMs)
    let round: StormRound
    let sent: Awaited<ReturnType<typeof live.stop>>
    try {
      round = await measured(bff, 'storm', () => storm(clients, () => ({ target: caughtUpAt })))
    } finally {
      sent = await live.stop()
    }
    round.live = { sent: sent.sent, ackP99: sent.ackP99 }
    // One more event that every stream must get, so that all live ones are in before the check.
    await callbackAll(targets, sent.top + 1)
    const last = await Promise.all(clients.map((c) => c.call<{ missing: number }>('reach', { progress: sent.top + 1, timeoutMs: 60_000 }, 70_000)))
    if (last.some((a) => a.missing > 0)) throw new Error('not every stream got the final event')
    await bff.stop()
    const expected = await ownerLogs(env.DATABASE_PATH, owners)
    const checks = await Promise.all(clients.map((c) => c.call<NonNullable<StormRound['check']>>('verify', { expected }, 60_000)))
    const sum = (k: keyof NonNullable<StormRound['check']>): number => checks.reduce((s, c) => s + c[k], 0)
    round.check = { lost: sum('lost'), repeated: sum('repeated'), unexpected: sum('unexpected'), resets: sum('resets'), wrong: sum('wrong'), received: sum('received') }
    round.backlog = backlog
    return round
  } finally {
    await bff.stop()
    await Promise.all(clients.map((c) => c.call('close').catch(() => {})))
  }
}

export async function rawStormRound (deps: StormDeps, n: number): Promise<StormRound> {
  const raw = await deps.startRaw({ BACKLOG: String(deps.backlog) })
  const port = Number(new URL(raw.url).port)
  try {
    const specs = Array.from({ length: n }, (_, i) => ({ port, path: `/events?ch=o${i % P.storm.owners}`, owner: `o${i % P.storm.owners}` }))
    const parts = share(specs, deps.clients.length)
    const round = await storm(deps.clients, (i) => ({ conns: parts[i] }))
    round.backlog = listenBacklog(port)
    return round
  } finally {
    await raw.stop()
    await Promise.all(deps.clients.map((c) => c.call('close').catch(() => {})))
  }
}

/** The kernel's cap on any listen backlog. */
export function somaxconn (): number | undefined {
  try { return Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim()) } catch { return undefined }
}
