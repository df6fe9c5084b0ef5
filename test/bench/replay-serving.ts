/**
 * Scenario "replay": one client resumes `/v1/events` from id 0 over a history of N events (seeded
 * straight through the SQLite store, one task updated N − 1 times), reading as fast as it can;
 * meanwhile another connection sends `GET /v1/tasks/:id` every 20 ms. Goal: those answer within
 * 50 ms (p99) and the server's RSS grows by less than 50 MiB while the replay runs. The same probe
 * without a replay, just before, shows what the (shared, loaded) machine gives anyway.
 */
import { request, Agent } from 'node:http'
import { createSqliteStore } from '../../src/store/sqlite.ts'
import { cpuUs, nowMs, percentile, rssBytes, sleep, withTimeout, type Child } from './common.ts'
import { seedTask } from './storage.ts'

export interface ReplayResult {
  events: number
  seedSec: number
  replaySec: number
  bytes: number
  probes: number
  probeP50: number
  probeP99: number
  probeMax: number
  /** The same probe for 3 s before the replay: what the loaded machine gives without it. */
  idleP50: number
  idleP99: number
  rssBefore: number
  rssPeak: number
  /** Server CPU time (user + system) while the replay ran, in µs: holds up better than latency on a loaded machine. */
  cpuUs: number
}

export interface ReplayDeps {
  events: number
  dbPath: string
  owner: string
  key: string
  /** Starts the BFF on the seeded file with the given extra environment. */
  startBff: (env: Record<string, string>) => Promise<Child & { url: string }>
}

/** N events on one task of `owner`; resolves to the task id and the newest event id. */
async function seed (dbPath: string, owner: string, events: number): Promise<{ taskId: string, lastId: number }> {
  const store = createSqliteStore(dbPath)
  try {
    let task = seedTask(owner, Date.now())
    const created = await store.create(task, { maxActive: Number.MAX_SAFE_INTEGER, now: Date.now() })
    if (created.kind !== 'created') throw new Error(`seed create: ${created.kind}`)
    let lastId = created.event.id
    // Sequential versions of one task; each write awaited in groups so group commit batches them.
    for (let i = 1; i < events; i += 500) {
      const batch = []
      for (let j = i; j < Math.min(events, i + 500); j++) {
        task = { ...task, status: 'processing', progress: j % 100, version: task.version + 1, updatedAt: new Date().toISOString() }
        batch.push(store.update(task, true))
      }
      for (const result of await Promise.all(batch)) {
        if (result === null || result === true) throw new Error('seed update lost')
        lastId = result.id
      }
    }
    return { taskId: task.id, lastId }
  } finally {
    await store.close()
  }
}

/** Reads the stream until the frame with `lastId`; resolves to the bytes read. */
function replay (url: string, key: string, lastId: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const marker = Buffer.from(`id: ${lastId}\n`)
    let bytes = 0
    let tail = Buffer.alloc(0)
    const req = request(`${url}/v1/events`, { headers: { authorization: `Bearer ${key}`, 'last-event-id': '0', accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) { reject(new Error(`replay answered ${res.statusCode}`)); res.resume(); return }
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length
        // The marker may straddle two chunks: search the end of the previous one too.
        const window = Buffer.concat([tail, chunk])
        if (window.includes(marker)) { req.destroy(); resolve(bytes); return }
        tail = window.subarray(Math.max(0, window.length - marker.length))
      })
      res.on('error', () => {})
    })
    req.on('error', (err) => { if (!req.destroyed || bytes === 0) reject(err) })
    req.end()
  })
}

/** One GET over a kept-alive connection; resolves to its latency in ms. */
function probe (agent: Agent, url: string, key: string, taskId: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = nowMs()
    const req = request(`${url}/v1/tasks/${taskId}`, { agent, headers: { authorization: `Bearer ${key}` } }, (res) => {
      res.resume()
      res.on('end', () => res.statusCode === 200 ? resolve(nowMs() - start) : reject(new Error(`probe answered ${res.statusCode}`)))
    })
    req.on('error', reject)
    req.end()
  })
}

export async function scenarioReplay (deps: ReplayDeps): Promise<ReplayResult> {
  const seedStart = nowMs()
  const { taskId, lastId } = await seed(deps.dbPath, deps.owner, deps.events)
  const seedSec = (nowMs() - seedStart) / 1000
  const bff = await deps.startBff({ DATABASE_PATH: deps.dbPath, SSE_REPLAY_HORIZON: String(deps.events * 2) })
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  try {
    // Warm the probe's connection and the route, then measure it with nothing else going on.
    for (let i = 0; i < 20; i++) await probe(agent, bff.url, deps.key, taskId)
    const idle: number[] = []
    for (const until = nowMs() + 3_000; nowMs() < until;) {
      idle.push(await probe(agent, bff.url, deps.key, taskId))
      await sleep(20)
    }
    await sleep(500)
    const rssBefore = rssBytes(bff.pid)
    let rssPeak = rssBefore
    let done = false
    const latencies: number[] = []
    const sampler = (async () => {
      while (!done) {
        rssPeak = Math.max(rssPeak, rssBytes(bff.pid))
        await sleep(50)
      }
    })()
    const prober = (async () => {
      while (!done) {
        latencies.push(await probe(agent, bff.url, deps.key, taskId))
        await sleep(20)
      }
    })()
    const cpuBefore = cpuUs(bff.pid)
    const start = nowMs()
    let bytes: number
    try {
      bytes = await withTimeout(replay(bff.url, deps.key, lastId), 120_000, 'the replay')
    } finally {
      done = true
      await Promise.all([sampler, prober])
    }
    const replaySec = (nowMs() - start) / 1000
    const cpu = cpuUs(bff.pid) - cpuBefore
    return {
      events: deps.events,
      seedSec,
      replaySec,
      bytes,
      probes: latencies.length,
      probeP50: percentile(latencies, 50),
      probeP99: percentile(latencies, 99),
      probeMax: Math.max(...latencies),
      idleP50: percentile(idle, 50),
      idleP99: percentile(idle, 99),
      rssBefore,
      rssPeak,
      cpuUs: cpu
    }
  } finally {
    agent.destroy()
    await bff.stop()
  }
}
