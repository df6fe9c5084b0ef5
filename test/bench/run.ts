/**
 * `npm run bench`: what the BFF adds between frontends and the gateway, against plain node:http
 * baselines doing the same minimal work, measured in the same run, alternating BFF and baseline
 * round by round, medians over the rounds. Writes BENCHMARKS.md at the top level.
 *
 *   1. create      POST /v1/tasks/video-scoring through the BFF vs a raw undici forwarder
 *   2. ingest      gateway callbacks accepted durably vs raw JSON parse + SQLite insert
 *   3. fan-out     one callback to 1,000 / 10,000 open SSE streams vs a raw SSE broadcaster
 *   4. memory      server RSS per idle SSE stream (measured in the fan-out rounds)
 *   5. redis       scenarios 2 and 3 again with REDIS_URL set: two BFF instances sharing one Redis,
 *                  streams split over both, callbacks to the instance PUBLIC_URL names; beside the
 *                  embedded (SQLite, one instance) figures of the same run
 *   6. replay      a 100,000-event Last-Event-ID replay while another client reads a task
 *                  (test/bench/replay-serving.ts)
 *   7. storage     bytes per task and per event on both stores (test/bench/storage.ts)
 *   8. growth      store reads at 10k / 100k / 1M tasks (Redis: to 100k), one owner and 1,000 owners (test/bench/growth.ts)
 *
 * Throughput figures carry the server's CPU time per request, read from /proc/<pid>/stat of the
 * server processes only, which holds up better than throughput on a shared machine.
 * Everything listens on 127.0.0.1; every server and client is a child process that stops by itself
 * (coordinator gone, or BENCH_MAX_LIFETIME_MS), and the whole run gives up after 14 minutes.
 * About 11 minutes on 2 cores. Scenarios 5 and 7 need a Redis at BENCH_REDIS_URL (default
 * redis://127.0.0.1:6379); they use random key prefixes and delete their keys afterwards.
 * BENCHMARKS.md is merged section by section: a run replaces the sections of the scenarios it ran
 * (and "Machine and command") and keeps every other section as it was.
 * Options:
 *   --only=create,ingest,fanout,redis,replay,storage,growth   run some scenarios (redis-fanout: only the fan-out of scenario 5)
 *   --rounds=N                    rounds per scenario (default 5; scenario 5: 3, or N if given)
 *   --quick                       shorter runs and 1,000 streams only, for trying the harness
 *   --profile                     run the BFF under --cpu-prof (profiles in test-artifacts/cpu-prof/;
 *                                 summarise with test/bench/cpuprofile-summary.ts); no BENCHMARKS.md
 *   --heap-snapshots              fan-out: heap snapshots of both servers, idle and with N streams open
 *                                 (test-artifacts/heap/; compare with test/bench/heap-diff.ts); no BENCHMARKS.md
 *   --sizes=1000,10000            fan-out stream counts
 * --quick, --profile, --heap-snapshots and --sizes are trial runs: the report goes to stdout only.
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, release, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import autocannon, { type Options, type Result } from 'autocannon'
import { Redis } from 'ioredis'
import { freePort } from '../helper.ts'
import { scenarioReplay, type ReplayResult } from './replay-serving.ts'
import { mergeReport } from './report-merge.ts'
import { FILTER_READS, growthRatios, growthSetup, measureGrowth, type GrowthRow } from './growth.ts'
import { measureStorage, type StorageFigures } from './storage.ts'
import {
  APP_KEY, APP_SECRET, NO_LIMIT, ROOT, STREAM_TOKEN_SECRET, cpuUs, killAll, loadAverage, median, nowMs, percentile,
  progress, rssBytes, sleep, spawnChild, withTimeout, type Child
} from './common.ts'

// ---------------------------------------------------------------------------------------------
// Options and parameters

const argv = process.argv.slice(2)
const flag = (name: string): string | undefined => {
  const hit = argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`))
  return hit === undefined ? undefined : (hit.split('=')[1] ?? 'true')
}
const QUICK = flag('quick') !== undefined
const PROFILE = flag('profile') !== undefined
const HEAP = flag('heap-snapshots') !== undefined
const ALL_SCENARIOS = ['create', 'ingest', 'fanout', 'redis', 'replay', 'storage', 'growth']
const ONLY = flag('only')?.split(',').map((s) => s.trim()) ?? ALL_SCENARIOS
const ROUNDS = Number(flag('rounds') ?? (QUICK ? 1 : 5))
/** Scenario 5 repeats scenarios 2 and 3 with fewer rounds, to keep the whole run bounded. */
const REDIS_ROUNDS = Math.min(ROUNDS, Number(flag('rounds') ?? 3))
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379'
/** Every BFF pair of this run gets `<REDIS_PREFIX>-<n>`; all of them are deleted at the end. */
const REDIS_PREFIX = `bench-${randomBytes(6).toString('hex')}`
// A partial run (--only, --rounds) merges its sections into BENCHMARKS.md; trial runs leave it alone.
const WRITE_REPORT = !PROFILE && !HEAP && !QUICK && flag('sizes') === undefined

const P = {
  replay: { events: 100_000 },
  storage: { tasks: QUICK ? 2_000 : 10_000, eventsPerTask: 2, owners: 100 },
  growth: { sizes: QUICK ? [10_000, 100_000] : [10_000, 100_000, 1_000_000], reads: QUICK ? 200 : 1000, redisMax: 100_000 },
  create: { connections: 32, warmupSec: QUICK ? 1 : 2, durationSec: QUICK ? 2 : 5, owners: 16 },
  ingest: { connections: 32, warmupSec: QUICK ? 1 : 2, durationSec: QUICK ? 2 : 5, tasks: 4000 },
  fanout: {
    sizes: flag('sizes')?.split(',').map(Number) ?? (QUICK ? [1000] : [1000, 10_000]),
    owners: 10,
    /** Measured events per round (plus one warm-up event). */
    events: 5,
    clientProcesses: 2,
    openConcurrency: 100,
    deliveryTimeoutMs: 30_000
  }
}
const GLOBAL_DEADLINE_MS = 14 * 60_000
/** Pause after a load run before a server is stopped or checked, for requests still in flight. */
const DRAIN_MS = 1000
const PROFILE_DIR = join(ROOT, 'test-artifacts', 'cpu-prof')
const HEAP_DIR = join(ROOT, 'test-artifacts', 'heap')

const startLoad = loadAverage()
const tmp = mkdtempSync(join(tmpdir(), 'bff-bench-'))
let dbCount = 0
const freshDb = (): string => join(tmp, `db-${++dbCount}`, 'bff.sqlite')
const freshDir = (): string => {
  const dir = join(tmp, `raw-${++dbCount}`)
  mkdirSync(dir, { recursive: true })
  return dir
}

const VIDEO_BODY = JSON.stringify({ videoUrl: 'https://example.com/clips/bench.mp4', prompt: 'Upbeat acoustic guitar, sunny and light', duration: 30 })
const keyOf = (owner: string): string => `bench-key-${owner}-0123456789`
const apiKeys = (owners: string[]): string => owners.map((o) => `${o}:${keyOf(o)}`).join(',')

function bffEnv (port: number, simUrl: string, owners: string[], extra: Record<string, string> = {}): Record<string, string> {
  return {
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'warn',
    TOMOVIEE_BASE_URL: simUrl,
    TOMOVIEE_APP_KEY: APP_KEY,
    TOMOVIEE_APP_SECRET: APP_SECRET,
    DATABASE_PATH: freshDb(),
    API_KEYS: apiKeys(owners),
    STREAM_TOKEN_SECRET,
    RATE_LIMIT_MAX: NO_LIMIT,
    RATE_LIMIT_OWNER_MAX: NO_LIMIT,
    RATE_LIMIT_CREATE_MAX: NO_LIMIT,
    MAX_ACTIVE_TASKS_PER_OWNER: NO_LIMIT,
    // The benchmark's clients all come from loopback, many streams per owner.
    SSE_MAX_STREAMS_PER_OWNER: NO_LIMIT,
    SSE_MAX_STREAMS_PER_IP: NO_LIMIT,
    CONNECTIONS_PER_IP_MAX: NO_LIMIT,
    CONNECTIONS_MAX: NO_LIMIT,
    RECONCILE_ENABLED: 'false',
    WEBHOOK_VERIFY: 'false',
    ...extra
  }
}

let profileSeq = 0
/** Profiled BFF processes: where the profile goes, and the measured windows to attribute. */
const profiled = new Map<Child, { windows: { label: string, startUs: number, endUs: number }[] }>()

async function startBff (simUrl: string, owners: string[], scenario: string, opts: { port?: number, env?: Record<string, string> } = {}): Promise<Child & { url: string }> {
  const port = opts.port ?? await freePort()
  const nodeArgs = ['--expose-gc']
  let dir = ''
  if (PROFILE) {
    // Node names the files itself (CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile): with tsx the
    // loader hooks run on a second thread, whose profile would overwrite a fixed --cpu-prof-name.
    dir = join(PROFILE_DIR, scenario, `bff-${++profileSeq}`)
    mkdirSync(dir, { recursive: true })
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${dir}`)
  }
  const child = await spawnChild('bff', 'bff-server.ts', { env: bffEnv(port, simUrl, owners, opts.env), nodeArgs })
  if (PROFILE) {
    const entry = { windows: [] as { label: string, startUs: number, endUs: number }[] }
    profiled.set(child, entry)
    void child.exited.then(() => {
      // Keep the main thread's profile (thread id 0) as <dir>.cpuprofile, with its measured windows.
      const main = readdirSync(dir).find((f) => new RegExp(`\\.${child.pid}\\.0\\.\\d+\\.cpuprofile$`).test(f))
      if (main) renameSync(join(dir, main), `${dir}.cpuprofile`)
      rmSync(dir, { recursive: true, force: true })
      // V8 stamps samples with CLOCK_MONOTONIC microseconds, the clock of nowMs(): the windows line up.
      writeFileSync(`${dir}.windows.json`, JSON.stringify(entry.windows, null, 2))
    })
  }
  return Object.assign(child, { url: `http://127.0.0.1:${port}` })
}

/** Embedded: SQLite, one instance. Redis: REDIS_URL set, two instances sharing one Redis key prefix. */
type Mode = 'embedded' | 'redis'

/** The BFF side of a scenario: its instances, where tasks are created and where callbacks land. */
interface Deployment {
  instances: (Child & { url: string })[]
  /** Where the benchmark creates tasks. */
  createUrl: string
  /** The instance that PUBLIC_URL names, so the one the gateway's callbacks land on. */
  callbackTarget: Child & { url: string }
  stop: () => Promise<void>
}

let redisPairs = 0

/**
 * Embedded: one instance with its own SQLite file. Redis: instances A and B with the same fresh key
 * prefix and PUBLIC_URL naming A, so callbacks land on A; tasks are created through B, so A applies
 * callbacks of tasks it never saw, and streams on either instance get events only through Redis.
 * Stopping a Redis pair deletes its keys.
 */
async function startDeployment (mode: Mode, simUrl: string, owners: string[], scenario: string): Promise<Deployment> {
  if (mode === 'embedded') {
    const bff = await startBff(simUrl, owners, scenario)
    return { instances: [bff], createUrl: bff.url, callbackTarget: bff, stop: () => bff.stop() }
  }
  const prefix = `${REDIS_PREFIX}-${++redisPairs}`
  const [portA, portB] = [await freePort(), await freePort()]
  const env = { REDIS_URL, REDIS_PREFIX: prefix, PUBLIC_URL: `http://127.0.0.1:${portA}` }
  const started = await Promise.allSettled([portA, portB].map((port) => startBff(simUrl, owners, `${scenario}-redis`, { port, env })))
  const instances = started.flatMap((r) => r.status === 'fulfilled' ? [r.value] : [])
  const stop = async (): Promise<void> => {
    await Promise.all(instances.map((i) => i.stop()))
    await deleteRedisKeys([`{${prefix}}:*`, `${prefix}:*`])
  }
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failed) {
    await stop()
    throw failed.reason
  }
  return { instances, createUrl: instances[1]!.url, callbackTarget: instances[0]!, stop }
}

/** A short-lived connection of the coordinator's own (never one of the BFF's). */
async function withRedis<T> (fn: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2_000, retryStrategy: () => null })
  redis.on('error', () => {})
  try {
    await redis.connect()
    return await fn(redis)
  } finally {
    redis.disconnect()
  }
}

/**
 * Deletes the keys matching the patterns with SCAN + UNLINK. A pair's keys are the store's
 * (`{<prefix>}:…`) and the rate limiter's (`<prefix>:rate:…`).
 */
async function deleteRedisKeys (patterns: string[]): Promise<number> {
  try {
    return await withRedis(async (redis) => {
      let deleted = 0
      for (const pattern of patterns) {
        let cursor = '0'
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000)
          cursor = next
          if (keys.length > 0) deleted += await redis.unlink(...keys)
        } while (cursor !== '0')
      }
      return deleted
    })
  } catch (err) {
    progress(`could not delete the Redis keys ${patterns.join(' ')}: ${String(err)}`)
    return 0
  }
}

/** Redis version and persistence settings, for the report; throws when Redis is unreachable. */
async function redisInfo (): Promise<{ info: string, aof: boolean }> {
  return withRedis(async (redis) => {
    const version = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? 'unknown'
    const setting = async (name: string): Promise<string> => {
      try { return String((await redis.config('GET', name) as string[])[1] ?? '?') } catch { return '?' }
    }
    const aof = await setting('appendonly')
    const save = await setting('save')
    return {
      info: `Redis ${version} at ${REDIS_URL.replace(/\/\/[^@/]*@/, '//')}, on the same machine; persistence: appendonly ${aof}` +
        `${aof === 'yes' ? ` (appendfsync ${await setting('appendfsync')})` : ''}, RDB save ${save === '' ? 'off' : `"${save}"`}`,
      aof: aof === 'yes'
    }
  })
}

/** Runs `fn` and, when profiling, records its time span as a window of the server's profile. */
async function measured<T> (servers: Child | Child[], label: string, fn: () => Promise<T>): Promise<T> {
  const start = nowMs()
  try {
    return await fn()
  } finally {
    for (const server of [servers].flat()) profiled.get(server)?.windows.push({ label, startUs: Math.round(start * 1000), endUs: Math.round(nowMs() * 1000) })
  }
}

async function startRaw (script: string, env: Record<string, string> = {}): Promise<Child & { url: string }> {
  const port = await freePort()
  const child = await spawnChild(script.replace(/\.ts$/, ''), script, { env: { PORT: String(port), ...env }, nodeArgs: ['--expose-gc'] })
  return Object.assign(child, { url: `http://127.0.0.1:${port}` })
}

type Kind = 'bff' | 'baseline'
/** Alternating order, swapped every round so neither side always runs first. */
const orderOf = (round: number): Kind[] => round % 2 === 1 ? ['bff', 'baseline'] : ['baseline', 'bff']

async function post (url: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number, json: unknown }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, signal: AbortSignal.timeout(10_000) })
  const text = await res.text()
  let json: unknown
  try { json = JSON.parse(text) } catch { json = text }
  return { status: res.status, json }
}

// ---------------------------------------------------------------------------------------------
// Results

/** `cpuUs`: CPU time of the server process(es) per 2xx response, µs. */
interface LoadRun { rps: number, p50: number, p99: number, ok: number, bad: number, cpuUs: number }

/**
 * Runs autocannon and keeps every 2xx response's duration itself: autocannon's own histogram has
 * 1 ms resolution, too coarse for a baseline that answers in well under a millisecond.
 */
async function load (opts: Options, servers: Child[] = []): Promise<LoadRun> {
  const latencies: number[] = []
  const cpuOf = (): number => servers.reduce((sum, s) => sum + cpuUs(s.pid), 0)
  const cpuBefore = cpuOf()
  const instance = autocannon(opts)
  instance.on('response', (_client, status, _bytes, time) => { if (status >= 200 && status < 300) latencies.push(time) })
  const r: Result = await instance
  const cpu = servers.length ? (cpuOf() - cpuBefore) / Math.max(1, r['2xx']) : Number.NaN
  return { rps: r['2xx'] / r.duration, p50: percentile(latencies, 50), p99: percentile(latencies, 99), ok: r['2xx'], bad: r.non2xx + r.errors + r.timeouts, cpuUs: cpu }
}

interface FanoutRun { ttl: number, p50: number, p99: number, ack: number, missing: number, unexpected: number }
interface FanoutRound { events: FanoutRun[], rssIdle: number, rssOpen: number, heapIdle: number, heapOpen: number, opened: number, receivers: number, openSec: number }

const results: {
  create?: Record<Kind, LoadRun[]> | { error: string }
  ingest?: IngestResult | { error: string }
  fanout: FanoutResults
  /** Scenario 5: `redis` describes the server, or says why the scenario could not run. */
  redis?: { info: string, aof: boolean } | { error: string }
  redisIngest?: IngestResult | { error: string }
  redisFanout: FanoutResults
  replay?: ReplayResult | { error: string }
  storage?: StorageFigures[] | { error: string }
  growth?: GrowthRow[] | { error: string }
} = { fanout: {}, redisFanout: {} }

/** Load averages when each scenario started and ended: how busy the shared cores were. */
const loads = new Map<string, { before: string, after?: string }>()
async function scenario<T> (name: string, fn: () => Promise<T>): Promise<T> {
  const entry: { before: string, after?: string } = { before: loadAverage() }
  loads.set(name, entry)
  try { return await fn() } finally { entry.after = loadAverage() }
}
/** Where a section's figures come from, since a merged BENCHMARKS.md mixes runs. */
function stamp (...names: string[]): string {
  const l = names.map((n) => loads.get(n)).find((x) => x !== undefined)
  return `_Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length} by \`tsx test/bench/run.ts${argv.length ? ` ${argv.join(' ')}` : ''}\`, ${revision()}; ` +
    `load average (1, 5, 15 min) ${l ? `${l.before} at the start, ${l.after ?? '?'} at the end` : 'unknown'}._`
}

// ---------------------------------------------------------------------------------------------
// Scenario 1: create overhead

async function scenarioCreate (sim: Child & { url: string }): Promise<Record<Kind, LoadRun[]>> {
  const owners = Array.from({ length: P.create.owners }, (_, i) => `owner${i}`)
  const out: Record<Kind, LoadRun[]> = { bff: [], baseline: [] }
  const fire = async (server: Child & { url: string }, sec: number): Promise<LoadRun> => {
    const url = server.url
    let client = 0
    return load({
      url: `${url}/v1/tasks/video-scoring`,
      method: 'POST',
      connections: P.create.connections,
      duration: sec,
      timeout: 10,
      body: VIDEO_BODY,
      headers: { 'content-type': 'application/json' },
      // Each connection is one client of one owner (owners spread evenly over the connections).
      setupClient: (c) => c.setHeaders({ 'content-type': 'application/json', authorization: `Bearer ${keyOf(owners[client++ % owners.length]!)}` })
    }, [server])
  }
  for (let round = 1; round <= ROUNDS; round++) {
    for (const kind of orderOf(round)) {
      // A fresh process (and database) per run, so earlier runs' tasks do not pile up in the active count.
      const server = kind === 'bff' ? await startBff(sim.url, owners, 'create') : await startRaw('raw-create.ts', { SIM_URL: sim.url })
      try {
        await fire(server, P.create.warmupSec)
        const run = await measured(server, 'create', () => fire(server, P.create.durationSec))
        // autocannon drops its connections at the end; let the requests still in flight finish.
        await sleep(DRAIN_MS)
        out[kind].push(run)
        progress(`create round ${round}/${ROUNDS} ${kind}: ${run.rps.toFixed(0)} req/s, ${run.cpuUs.toFixed(0)} µs CPU/req, p50 ${run.p50.toFixed(2)} ms, p99 ${run.p99.toFixed(2)} ms${run.bad ? `, ${run.bad} failed` : ''}`)
      } finally {
        await server.stop()
      }
    }
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Scenario 2: callback ingest

async function createTasks (bffUrl: string, owner: string, count: number): Promise<string[]> {
  const ids: string[] = []
  let next = 0
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < count) {
      next++
      const res = await post(`${bffUrl}/v1/tasks/video-scoring`, VIDEO_BODY, { authorization: `Bearer ${keyOf(owner)}` })
      if (res.status !== 202) throw new Error(`create answered ${res.status}: ${JSON.stringify(res.json)}`)
      ids.push((res.json as { id: string }).id)
    }
  }))
  return ids
}

type IngestResult = Record<Kind, LoadRun[]> & { verified: string }

async function scenarioIngest (sim: Child & { url: string }, mode: Mode, rounds: number): Promise<IngestResult> {
  const owner = 'ingest'
  const name = mode === 'redis' ? 'ingest (redis)' : 'ingest'
  const dep = await startDeployment(mode, sim.url, [owner], 'ingest')
  const bff = dep.callbackTarget
  let raw: (Child & { url: string }) | undefined
  try {
    raw = await startRaw('raw-ingest.ts', { DATABASE_PATH: join(freshDir(), 'raw.sqlite') })
    progress(`${name}: creating ${P.ingest.tasks} tasks through the BFF${dep.instances.length > 1 ? ' (instance B; callbacks go to A)' : ''}`)
    const ids = new Set(await createTasks(dep.createUrl, owner, P.ingest.tasks))
    const all = await sim.call<{ upstreamTaskId: string, taskId: string, callback: string }[]>('callbacks')
    const targets = all.filter((t) => ids.has(t.taskId)).map((t) => {
      const u = new URL(t.callback)
      return { path: `${u.pathname}${u.search}`, upstreamTaskId: t.upstreamTaskId, taskId: t.taskId }
    })
    if (targets.length !== P.ingest.tasks) throw new Error(`found ${targets.length} callback URLs for ${P.ingest.tasks} tasks`)
    const T = targets.length
    // Callback i goes to task i mod T with progress ⌊i / T⌋ + 1: every callback moves its task
    // forward, and callbacks of one task are T requests apart, so they never overtake each other.
    const sent: Record<Kind, number> = { bff: 0, baseline: 0 }
    const fire = (kind: Kind, url: string, sec: number): Promise<LoadRun> => load({
      url,
      connections: P.ingest.connections,
      duration: sec,
      timeout: 10,
      requests: [{
        method: 'POST',
        setupRequest: (req) => {
          const i = sent[kind]++
          const t = targets[i % T]!
          // Progress 1..99; the (faster) baseline wraps around, which changes nothing for it. The
          // BFF must never wrap (its callbacks would become stale duplicates): checked below.
          const p = (Math.floor(i / T) % 99) + 1
          return {
            ...req,
            path: t.path,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ task_id: t.upstreamTaskId, status: 2, progress: p, params: t.taskId })
          }
        }
      }]
      // CPU of every BFF instance: in Redis mode A applies the callbacks and B still hears of each event.
    }, kind === 'bff' ? dep.instances : [raw!])
    const out: Record<Kind, LoadRun[]> = { bff: [], baseline: [] }
    const servers: Record<Kind, Child & { url: string }> = { bff, baseline: raw }
    for (const kind of ['bff', 'baseline'] as const) await fire(kind, servers[kind].url, P.ingest.warmupSec)
    for (let round = 1; round <= rounds; round++) {
      for (const kind of orderOf(round)) {
        const run = await measured(servers[kind], 'ingest', () => fire(kind, servers[kind].url, P.ingest.durationSec))
        out[kind].push(run)
        progress(`${name} round ${round}/${rounds} ${kind}: ${run.rps.toFixed(0)} callbacks/s, ${run.cpuUs.toFixed(0)} µs CPU/req, p50 ${run.p50.toFixed(2)} ms, p99 ${run.p99.toFixed(2)} ms${run.bad ? `, ${run.bad} failed` : ''}`)
      }
    }
    // Every callback was a state change: none wrapped, and the first task's progress is the last one it was sent.
    await sleep(DRAIN_MS)
    if (sent.bff > 99 * T) throw new Error(`the BFF took ${sent.bff} callbacks, more than the ${99 * T} distinct state changes of ${T} tasks; raise P.ingest.tasks`)
    const first = targets[0]!
    const expected = Math.floor((sent.bff - 1) / T) + 1
    // Read back through the instance that created the tasks (in Redis mode not the one that took the callbacks).
    const res = await fetch(`${dep.createUrl}/v1/tasks/${first.taskId}`, { headers: { authorization: `Bearer ${keyOf(owner)}` } })
    const task = await res.json() as { status: string, progress: number }
    const verified = `${sent.bff} callbacks sent to the BFF${dep.instances.length > 1 ? ' (instance A)' : ''} over ${T} tasks (status 2, progress rising to ${expected}); ` +
      `task 1 ended at ${task.status}/${task.progress}${dep.instances.length > 1 ? ' as instance B reads it' : ''}`
    if (task.status !== 'processing' || Math.abs(task.progress - expected) > 1) throw new Error(`callbacks were not all applied: ${verified}`)
    return { ...out, verified }
  } finally {
    await Promise.all([dep.stop(), raw?.stop()])
  }
}

// ---------------------------------------------------------------------------------------------
// Scenarios 3 and 4: fan-out and memory per stream

interface Spec { path: string, auth?: string, expect: boolean, port?: number }

/** Gives every stream a server: alternately per kind of stream (path and key), so each server holds its share of each. */
function spread (specs: Spec[], ports: number[]): Spec[] {
  const seen = new Map<string, number>()
  return specs.map((s) => {
    const key = `${s.path} ${s.auth ?? ''}`
    const i = seen.get(key) ?? 0
    seen.set(key, i + 1)
    return { ...s, port: ports[i % ports.length]! }
  })
}

/** Half the streams watch the one task; half follow /v1/events, spread over the owners. */
function bffSpecs (n: number, owners: string[], taskId: string): Spec[] {
  return Array.from({ length: n }, (_, i) => {
    if (i % 2 === 0) return { path: `/v1/tasks/${taskId}/events`, auth: keyOf(owners[0]!), expect: true }
    const owner = owners[Math.floor(i / 2) % owners.length]!
    return { path: '/v1/events', auth: keyOf(owner), expect: owner === owners[0] }
  })
}

/** The same connections for the broadcaster: the receivers on one channel, the others on their owner's. */
function rawSpecs (n: number, owners: string[]): Spec[] {
  return bffSpecs(n, owners, 'x').map((s, i) => {
    const owner = i % 2 === 0 ? owners[0]! : owners[Math.floor(i / 2) % owners.length]!
    return { path: `/events?ch=${s.expect ? 'hot' : owner}`, auth: keyOf(owner), expect: s.expect }
  })
}

/** A task as the BFF serialises it, for the broadcaster's payload: same fields, same size. */
function taskLike (progressValue: number): Record<string, unknown> {
  const at = new Date().toISOString()
  return {
    id: '3f1c9a52-5d0e-4c6b-9a43-8d1e2f7b6a10',
    capability: 'video-scoring',
    status: 'processing',
    progress: progressValue,
    input: JSON.parse(VIDEO_BODY),
    outputs: [],
    error: null,
    createdAt: at,
    updatedAt: at
  }
}
const markerOf = (p: number): string => `"status":"processing","progress":${p},`

/** Opens the streams, each on its own `port` (see spread()). */
async function openAll (clients: Child[], specs: Spec[]): Promise<{ opened: number, statuses: Record<string, number> }> {
  const shares: Spec[][] = clients.map(() => [])
  specs.forEach((s, i) => shares[i % clients.length]!.push(s))
  const answers = await Promise.all(clients.map((c, i) => c.call<{ opened: number, statuses: Record<string, number> }>('open', { conns: shares[i], concurrency: P.fanout.openConcurrency }, 180_000)))
  const statuses: Record<string, number> = {}
  for (const a of answers) for (const [k, v] of Object.entries(a.statuses)) statuses[k] = (statuses[k] ?? 0) + v
  return { opened: answers.reduce((n, a) => n + a.opened, 0), statuses }
}

async function closeAll (clients: Child[]): Promise<void> {
  await Promise.all(clients.map((c) => c.call('close')))
}

/** Summed over the servers (the two instances of a Redis deployment). */
async function settledMemory (servers: Child[]): Promise<{ rss: number, heap: number }> {
  const mems = await Promise.all(servers.map((server) => server.call<{ heapUsed: number, external: number }>('settle')))
  await sleep(300)
  return {
    rss: servers.reduce((sum, server) => sum + rssBytes(server.pid), 0),
    heap: mems.reduce((sum, mem) => sum + mem.heapUsed + mem.external, 0)
  }
}

async function deliverOnce (clients: Child[], p: number, send: () => Promise<void>): Promise<FanoutRun> {
  await Promise.all(clients.map((c) => c.call('arm', { marker: markerOf(p) })))
  const t0 = nowMs()
  await send()
  const ack = nowMs() - t0
  const answers = await Promise.all(clients.map((c) => c.call<{ times: number[], missing: number, unexpected: number }>('wait', { timeoutMs: P.fanout.deliveryTimeoutMs }, P.fanout.deliveryTimeoutMs + 10_000)))
  const lat = answers.flatMap((a) => a.times).filter((t) => Number.isFinite(t)).map((t) => t - t0)
  return {
    ttl: Math.max(...lat),
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    ack,
    missing: answers.reduce((n, a) => n + a.missing, 0),
    unexpected: answers.reduce((n, a) => n + a.unexpected, 0)
  }
}

async function fanoutRound (kind: Kind, mode: Mode, n: number, sim: Child & { url: string }, clients: Child[], label: string): Promise<FanoutRound> {
  const owners = Array.from({ length: P.fanout.owners }, (_, i) => `o${i}`)
  let dep: Deployment
  if (kind === 'bff') dep = await startDeployment(mode, sim.url, owners, `fanout-${n}`)
  else {
    const raw = await startRaw('raw-broadcast.ts')
    dep = { instances: [raw], createUrl: raw.url, callbackTarget: raw, stop: () => raw.stop() }
  }
  const servers = dep.instances
  const ports = servers.map((server) => Number(new URL(server.url).port))
  try {
    let specs: Spec[]
    let send: (p: number) => Promise<void>
    if (kind === 'bff') {
      const created = await post(`${dep.createUrl}/v1/tasks/video-scoring`, VIDEO_BODY, { authorization: `Bearer ${keyOf(owners[0]!)}` })
      if (created.status !== 202) throw new Error(`create answered ${created.status}`)
      const taskId = (created.json as { id: string }).id
      const sims = await sim.call<{ upstreamTaskId: string, taskId: string, callback: string }[]>('callbacks')
      const target = sims.find((t) => t.taskId === taskId)
      if (!target) throw new Error('the simulator has no task for the fan-out task')
      specs = spread(bffSpecs(n, owners, taskId), ports)
      // The callback URL names PUBLIC_URL: in Redis mode instance A, which holds half the streams.
      send = async (p) => {
        const res = await post(target.callback, JSON.stringify({ task_id: target.upstreamTaskId, status: 2, progress: p, params: taskId }))
        if (res.status !== 200 || (res.json as { changed?: boolean }).changed !== true) throw new Error(`callback answered ${res.status} ${JSON.stringify(res.json)}`)
      }
    } else {
      specs = spread(rawSpecs(n, owners), ports)
      send = async (p) => {
        const res = await post(`${dep.callbackTarget.url}/publish?ch=hot`, JSON.stringify(taskLike(p)))
        if (res.status !== 200) throw new Error(`publish answered ${res.status}`)
      }
    }
    // Warm-up: a few streams opened and closed, so idle memory includes the code paths' first use.
    const warm = specs.filter((_, i) => i % Math.max(1, Math.floor(n / 100)) === 0).slice(0, 100)
    await openAll(clients, warm)
    await closeAll(clients)
    await sleep(300)
    const idle = await settledMemory(servers)
    const snapshot = async (state: string): Promise<void> => {
      if (!HEAP) return
      mkdirSync(HEAP_DIR, { recursive: true })
      for (const [i, server] of servers.entries()) {
        const path = join(HEAP_DIR, `${kind}${mode === 'redis' && kind === 'bff' ? `-redis-${'AB'[i]}` : ''}-${n}-${state}.heapsnapshot`)
        await server.call('heapSnapshot', { path }, 300_000)
        progress(`heap snapshot ${path}`)
      }
    }
    await snapshot('idle')

    const t = nowMs()
    const { opened, statuses } = await measured(servers, 'open', () => openAll(clients, specs))
    const openSec = (nowMs() - t) / 1000
    if (opened !== n) throw new Error(`${opened} of ${n} streams opened (HTTP statuses ${JSON.stringify(statuses)})`)
    await sleep(500)
    const full = await settledMemory(servers)
    await snapshot('open')
    const receivers = specs.filter((s) => s.expect).length

    const events: FanoutRun[] = []
    for (let e = 0; e <= P.fanout.events; e++) {
      const run = await measured(servers, 'deliver', () => deliverOnce(clients, e + 1, () => send(e + 1)))
      if (run.missing > 0 || run.unexpected > 0) throw new Error(`event ${e + 1}: ${run.missing} receivers missed it, ${run.unexpected} other streams got it`)
      if (e > 0) events.push(run)
      await sleep(200)
    }
    const round: FanoutRound = { events, rssIdle: idle.rss, rssOpen: full.rss, heapIdle: idle.heap, heapOpen: full.heap, opened, receivers, openSec }
    progress(`${label} ${kind}: opened ${n} in ${openSec.toFixed(1)} s, last of ${receivers} receivers after ${median(events.map((x) => x.ttl)).toFixed(1)} ms ` +
      `(p50 ${median(events.map((x) => x.p50)).toFixed(1)}, p99 ${median(events.map((x) => x.p99)).toFixed(1)} ms), ` +
      `RSS ${(idle.rss / 2 ** 20).toFixed(0)} -> ${(full.rss / 2 ** 20).toFixed(0)} MiB = ${((full.rss - idle.rss) / n / 1024).toFixed(1)} KiB/stream`)
    return round
  } finally {
    // The server closes first, so TIME_WAIT stays on its side and client ports free up at once.
    await dep.stop()
    await closeAll(clients).catch(() => {})
  }
}

type FanoutResults = Record<number, Record<Kind, FanoutRound[]> | { error: string }>

async function scenarioFanout (sim: Child & { url: string }, mode: Mode, rounds: number, into: FanoutResults): Promise<void> {
  const clients: Child[] = []
  const name = mode === 'redis' ? 'fan-out (redis)' : 'fan-out'
  try {
    for (let i = 0; i < P.fanout.clientProcesses; i++) clients.push(await spawnChild(`sse-client-${i}`, 'sse-clients.ts'))
    for (const n of P.fanout.sizes) {
      const out: Record<Kind, FanoutRound[]> = { bff: [], baseline: [] }
      try {
        for (let round = 1; round <= rounds; round++) {
          for (const kind of orderOf(round)) out[kind].push(await fanoutRound(kind, mode, n, sim, clients, `${name} ${n} round ${round}/${rounds}`))
        }
        into[n] = out
      } catch (err) {
        progress(`${name} ${n} failed: ${String(err)}`)
        into[n] = { error: err instanceof Error ? err.message : String(err) }
      }
    }
  } finally {
    await Promise.all(clients.map((c) => c.stop()))
  }
}

// ---------------------------------------------------------------------------------------------
// Report

const fmt = (v: number, digits = 0): string => Number.isFinite(v) ? v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : 'n/a'
const ms = (v: number): string => `${fmt(v, v < 10 ? 2 : 1)} ms`
const us = (v: number): string => `${fmt(v)} µs`
const kib = (bytes: number): string => `${fmt(bytes / 1024, 1)} KiB`

interface Goal { op: '>=' | '<=', value: number }
interface Row {
  metric: string
  bff: number
  base: number
  unit: (v: number) => string
  goal?: Goal
  /** Scenario 5: the embedded BFF's figure and its baseline's, from scenarios 2–4 of the same run. */
  embedded?: { bff: number, base: number }
}

const goalText = (g: Goal): string => `${g.op === '>=' ? '≥' : '≤'} ${g.value}×`
const meets = (g: Goal, ratio: number): boolean => g.op === '>=' ? ratio >= g.value : ratio <= g.value

/** With `embeddedHeader`, two more columns: the embedded figure (and its own ratio), and Redis / embedded. */
function table (rows: Row[], opts: { bffHeader?: string, embeddedHeader?: string } = {}): string {
  const extra = opts.embeddedHeader !== undefined
  const lines = [
    `| Metric | ${opts.bffHeader ?? 'BFF'} | Baseline | Ratio (BFF / baseline) | Goal | Met? |${extra ? ` ${opts.embeddedHeader} | Redis / embedded |` : ''}`,
    `|---|---:|---:|---:|---|---|${extra ? '---:|---:|' : ''}`
  ]
  for (const r of rows) {
    const ratio = r.bff / r.base
    const met = r.goal === undefined ? '—' : meets(r.goal, ratio) ? 'yes' : '**no**'
    let line = `| ${r.metric} | ${r.unit(r.bff)} | ${r.unit(r.base)} | ${fmt(ratio, 2)}× | ${r.goal ? goalText(r.goal) : '(informational)'} | ${met} |`
    if (extra) {
      line += r.embedded
        ? ` ${r.unit(r.embedded.bff)} (${fmt(r.embedded.bff / r.embedded.base, 2)}×) | ${fmt(r.bff / r.embedded.bff, 2)}× |`
        : ' not run | — |'
    }
    lines.push(line)
  }
  return lines.join('\n')
}

/** One sentence on the goals of a table: which are met. */
function goalSummary (rows: Row[]): string {
  const withGoal = rows.filter((r): r is Row & { goal: Goal } => r.goal !== undefined)
  if (withGoal.length === 0) return 'No goal at this size (informational).'
  return 'Goals: ' + withGoal.map((r) => {
    const ratio = r.bff / r.base
    return `${r.metric.toLowerCase()} ${goalText(r.goal)}: ${meets(r.goal, ratio) ? 'met' : '**not met**'} (${fmt(ratio, 2)}×)`
  }).join('; ') + '.'
}

const rounds = (xs: number[], unit: (v: number) => string): string => xs.map(unit).join(', ')

function fdLimit (): string {
  try {
    return execFileSync('bash', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; echo "$(ulimit -n) (hard $(ulimit -Hn))"'], { encoding: 'utf8' }).trim()
  } catch {
    return 'unknown'
  }
}

/** Which BFF code was measured: the commit, and whether src/, plugins/ or routes/ had local changes. */
function revision (): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'plugins', 'routes'], { cwd: ROOT, encoding: 'utf8' }).trim()
    return `git ${sha}${dirty ? ` with uncommitted changes in src/, plugins/ or routes/ (${dirty.split('\n').length} paths)` : ' (clean)'}`
  } catch {
    return 'unknown (not a git checkout)'
  }
}

/** The report sections each scenario writes (titles without the `## `). */
const SECTIONS: Record<string, string[]> = {
  create: ['1. Create overhead'],
  ingest: ['2. Callback ingest'],
  fanout: ['3. Fan-out', '4. Memory per idle stream'],
  redis: ['5. Distributed (Redis) mode'],
  'redis-fanout': ['5. Distributed (Redis) mode'],
  replay: ['6. Replay while serving'],
  storage: ['7. Storage per task and event'],
  growth: ['8. Reads as data grows']
}

function report (totalSec: number): string {
  const cpu = cpus()
  const out: string[] = []
  out.push('# Benchmarks', '')
  out.push('What the BFF adds between frontends and the ToMoviee gateway, measured against plain `node:http` baselines that do the same minimal work. ' +
    'BFF and baseline run in the same run, alternating round by round (the order swaps every round); figures are medians over the rounds; ratios are BFF / baseline. ' +
    'Generated by `test/bench/run.ts`; do not edit by hand.', '')
  out.push('## Machine and command', '')
  out.push(`- CPU: ${cpu[0]?.model ?? 'unknown'} × ${cpu.length} (logical CPUs)`)
  out.push(`- Memory: ${fmt(totalmem() / 2 ** 30, 1)} GiB; Linux ${release()}`)
  out.push(`- Node ${process.version}; servers and clients are separate processes started through \`bash -c 'ulimit -n <hard limit> && exec node --import tsx …'\`; open-file limit per process: ${fdLimit()}`)
  out.push(`- BFF code measured: ${revision()}`)
  out.push('- Each section below names the run it comes from: a partial run (`--only=…`) replaces only its own sections and keeps the others.')
  out.push(`- Load average at the start of this run: ${startLoad}; the machine is shared with other work, so rely on same-run ratios and on CPU µs per request.`)
  out.push(`- Command: \`npm run bench\` (\`tsx test/bench/run.ts${argv.length ? ` ${argv.join(' ')}` : ''}\`), ${ROUNDS} rounds per scenario${ONLY.includes('redis') && REDIS_ROUNDS !== ROUNDS ? ` (scenario 5: ${REDIS_ROUNDS})` : ''}, total run time ${fmt(totalSec / 60, 1)} min, ${new Date().toISOString().slice(0, 10)}`)
  out.push('- **Client and server share the machine\'s cores**: load generators (autocannon, the SSE client processes), the gateway simulator and the server under test all run on the same ' +
    `${cpu.length} CPUs, so absolute figures are lower than on dedicated hardware; the ratios are the point.`)
  out.push('- Everything listens on 127.0.0.1. BFF settings: `LOG_LEVEL=warn`, `RECONCILE_ENABLED=false`, `WEBHOOK_VERIFY=false`, rate limits and `MAX_ACTIVE_TASKS_PER_OWNER` raised to 10⁹ so they do not interfere, SQLite in a temporary directory.')
  if (ONLY.includes('redis')) {
    const r = results.redis
    out.push(`- Scenario 5: ${!r ? 'not run' : 'error' in r ? `not run (${r.error})` : `${r.info}; the two BFF instances of scenario 5 use the same settings with \`REDIS_URL\` set instead of SQLite`}.`)
  }
  out.push('')

  out.push('## 1. Create overhead', '', stamp('create'), '')
  out.push(`\`POST /v1/tasks/video-scoring\` with autocannon, ${P.create.connections} connections, ${P.create.warmupSec} s warm-up then ${P.create.durationSec} s measured per round, a fresh server process (and database) per run. ` +
    `BFF: API-key auth (${P.create.owners} owners, one per connection), rate-limit bookkeeping, zod validation, SQLite insert of task + event, the upstream create call to the simulator, the update with the upstream id. ` +
    'Baseline (`test/bench/raw-create.ts`): `node:http`, JSON parse, the same upstream call with undici (same body shape, headers and pool settings), 202. Both call the same simulator process (zero delays, no callbacks).', '')
  const c = results.create
  if (!c) out.push('Not run.')
  else if ('error' in c) out.push(`**Failed:** ${c.error}`)
  else {
    const m = (k: Kind, f: (r: LoadRun) => number): number => median(c[k].map(f))
    out.push(table([
      { metric: 'Throughput (req/s)', bff: m('bff', (r) => r.rps), base: m('baseline', (r) => r.rps), unit: (v) => fmt(v), goal: { op: '>=', value: 0.5 } },
      { metric: 'Latency p50', bff: m('bff', (r) => r.p50), base: m('baseline', (r) => r.p50), unit: ms },
      { metric: 'Latency p99', bff: m('bff', (r) => r.p99), base: m('baseline', (r) => r.p99), unit: ms, goal: { op: '<=', value: 2 } },
      { metric: 'Server CPU per request', bff: m('bff', (r) => r.cpuUs), base: m('baseline', (r) => r.cpuUs), unit: us }
    ]))
    out.push('', `Rounds — BFF req/s: ${rounds(c.bff.map((r) => r.rps), (v) => fmt(v))}; baseline: ${rounds(c.baseline.map((r) => r.rps), (v) => fmt(v))}. ` +
      `Failed requests: BFF ${c.bff.reduce((n, r) => n + r.bad, 0)}, baseline ${c.baseline.reduce((n, r) => n + r.bad, 0)}.`)
  }
  out.push('')

  out.push('## 2. Callback ingest', '', stamp('ingest'), '')
  out.push(`\`POST /webhooks/tomoviee?task=…&token=…\` with autocannon, ${P.ingest.connections} connections, ${P.ingest.durationSec} s per round after a ${P.ingest.warmupSec} s warm-up. ` +
    `${P.ingest.tasks} tasks are created through the BFF beforehand; their callback URLs (with the per-task tokens) are read from the simulator's \`simulator.tasks\`. ` +
    'Every callback is status 2 with a higher progress than the task\'s last one, so each is a real state change (token check, validation, compare-and-set update and event in one SQLite transaction, publish), never a duplicate. ' +
    'Baseline (`test/bench/raw-ingest.ts`): `node:http`, JSON parse, one INSERT into SQLite (better-sqlite3, WAL, `synchronous=NORMAL`, `busy_timeout=5000`, as `src/store/sqlite.ts`), ack.', '')
  const g = results.ingest
  if (!g) out.push('Not run.')
  else if ('error' in g) out.push(`**Failed:** ${g.error}`)
  else {
    out.push(table(ingestRows(g)))
    out.push('', ingestRounds(g))
  }
  out.push('')

  out.push('## 3. Fan-out', '', stamp('fanout'), '')
  out.push(`N open SSE streams, held by ${P.fanout.clientProcesses} client processes (\`test/bench/sse-clients.ts\`: raw \`node:net\` sockets, a hand-written GET, a byte search for the event). ` +
    `Half of them watch one task (\`GET /v1/tasks/:id/events\`, owner o0); the other half follow \`GET /v1/events\`, spread round-robin over ${P.fanout.owners} owners (o0…o${P.fanout.owners - 1}). ` +
    'Then one callback (status 2, rising progress) for the task: it must reach every watcher and every o0 `/v1/events` stream (55% of N), and no other stream (checked). ' +
    `Per round: 1 warm-up event, then ${P.fanout.events} measured events; "time to last" is from sending the callback to the last receiver having the event, per-subscriber latencies are over all receivers; ` +
    'each round\'s value is the median over its events. Baseline (`test/bench/raw-broadcast.ts`): `node:http` SSE with the same N connections, the same receivers on one channel and the others on per-owner channels; ' +
    'one `POST /publish` with a task-sized JSON body that it parses and writes as one frame to every receiver. A fresh server process per round; clients are CLOCK_MONOTONIC-timestamped in their own processes.', '')
  for (const n of P.fanout.sizes) {
    const f = results.fanout[n]
    out.push(`### ${fmt(n)} streams`, '')
    if (!f) { out.push('Not run.', ''); continue }
    if ('error' in f) { out.push(`**Failed:** ${f.error}`, ''); continue }
    out.push(table(fanoutRows(f, n)))
    out.push('', fanoutRounds(f, n), '')
  }

  out.push('## 4. Memory per idle stream', '', stamp('fanout'), '')
  out.push('Server RSS read from outside (`/proc/<pid>/status` VmRSS) after three forced full GCs (`--expose-gc`) and a short pause, once idle (after a warm-up of 100 streams opened and closed) and once with N streams open: ' +
    '(RSS with N open − RSS idle) / N. Same rounds as the fan-out; the heap column is V8 heap used + external from `process.memoryUsage()`, for orientation.', '')
  const memRows: Row[] = []
  for (const n of P.fanout.sizes) {
    const f = results.fanout[n]
    if (!f || 'error' in f) continue
    memRows.push({ metric: `RSS per idle stream, ${fmt(n)} open`, bff: perStream(f, n, 'bff', 'rss'), base: perStream(f, n, 'baseline', 'rss'), unit: kib, ...(n >= 10_000 ? { goal: { op: '<=' as const, value: 1.5 } } : {}) })
    memRows.push({ metric: `JS heap per idle stream, ${fmt(n)} open`, bff: perStream(f, n, 'bff', 'heap'), base: perStream(f, n, 'baseline', 'heap'), unit: kib })
  }
  out.push(memRows.length ? table(memRows) : 'Not run.')
  const big = results.fanout[Math.max(...P.fanout.sizes)]
  if (big && !('error' in big)) {
    out.push('', `Idle RSS: BFF ${fmt(median(big.bff.map((r) => r.rssIdle)) / 2 ** 20, 1)} MiB, baseline ${fmt(median(big.baseline.map((r) => r.rssIdle)) / 2 ** 20, 1)} MiB.`)
  }
  out.push('')

  out.push('## 5. Distributed (Redis) mode', '', stamp('redis'), '')
  out.push('Scenarios 2 and 3 again with `REDIS_URL` set: two BFF instances, A and B, sharing one Redis under a fresh `REDIS_PREFIX` per deployment (its keys deleted with SCAN + UNLINK when it stops), ' +
    'with `PUBLIC_URL` naming A on both, so the gateway\'s callbacks land on A. Tasks are created through B: A applies callbacks for tasks it never saw, and everything goes through Redis ' +
    '(the task hash, the compare-and-set script, the owner and task streams, PUBLISH, the rate-limit counters). The SSE streams are split evenly over A and B (alternately per kind of stream, ' +
    'so each instance holds half the task watchers and half of every owner\'s `/v1/events` streams); the callback goes to A, and the streams on both instances get the event through Redis pub/sub. ' +
    `${REDIS_ROUNDS} round${REDIS_ROUNDS === 1 ? '' : 's'} per measurement, alternating with the same raw baselines as scenarios 2 and 3 (run again in these rounds: one process, SQLite insert / in-memory broadcast), otherwise the same parameters. ` +
    'Goals are those of scenarios 2 and 3. Beside them, the embedded figures (SQLite, one instance) from scenarios 2–4 of this run, with their own ratio against their own baseline rounds in parentheses, ' +
    'and "Redis / embedded", the two BFF figures compared directly.', '')
  const r = results.redis
  if (!r) out.push('Not run.', '')
  else if ('error' in r) out.push(`**Not run:** ${r.error}`, '')
  else {
    out.push(`Redis: as under "Machine and command"; it shares the ${cpus().length} CPUs with everything else. ` +
      (r.aof ? '' : 'Its persistence is off, so these figures leave out the append-only-file writes that the README asks for in production (`appendonly yes`). ') +
      '"Callback answered after" means less here than elsewhere: the embedded BFF and the baseline write the event to every local stream before they answer, ' +
      'whereas in Redis mode A answers once the event is published to Redis, and both instances write to their streams when Redis delivers it back (time to last subscriber includes that).', '')
    const tableOpts = { bffHeader: 'BFF, Redis, 2 instances', embeddedHeader: 'Embedded, 1 instance (same run)' }
    out.push('### Callback ingest (every callback to A)', '')
    const ri = results.redisIngest
    if (!ri) out.push('Not run.')
    else if ('error' in ri) out.push(`**Failed:** ${ri.error}`)
    else {
      const emb = results.ingest && !('error' in results.ingest) ? ingestRows(results.ingest) : []
      const rows = ingestRows(ri).map((row, i) => ({ ...row, ...(emb[i] ? { embedded: { bff: emb[i].bff, base: emb[i].base } } : {}) }))
      out.push(table(rows, tableOpts), '', goalSummary(rows), '', ingestRounds(ri))
    }
    out.push('')
    for (const n of P.fanout.sizes) {
      out.push(`### Fan-out, ${fmt(n)} streams (half on A, half on B; callback to A)`, '')
      const f = results.redisFanout[n]
      if (!f) { out.push('Not run.', ''); continue }
      if ('error' in f) { out.push(`**Failed:** ${f.error}`, ''); continue }
      const e = results.fanout[n]
      const embedded = e && !('error' in e) ? e : undefined
      const emb = embedded ? fanoutRows(embedded, n) : []
      const memory: Row = {
        metric: 'RSS per idle stream (A + B)',
        bff: perStream(f, n, 'bff', 'rss'),
        base: perStream(f, n, 'baseline', 'rss'),
        unit: kib,
        ...(embedded ? { embedded: { bff: perStream(embedded, n, 'bff', 'rss'), base: perStream(embedded, n, 'baseline', 'rss') } } : {})
      }
      const rows = [...fanoutRows(f, n).map((row, i) => ({ ...row, ...(emb[i] ? { embedded: { bff: emb[i].bff, base: emb[i].base } } : {}) })), memory]
      out.push(table(rows, tableOpts), '', goalSummary(rows), '', fanoutRounds(f, n) +
        ` Idle RSS of A + B: ${fmt(median(f.bff.map((x) => x.rssIdle)) / 2 ** 20, 1)} MiB.`, '')
    }
  }
  out.push(...replaySection(), ...storageSection(), ...growthSection())
  return out.join('\n')
}

function verdict (ok: boolean): string { return ok ? 'met' : '**not met**' }

function replaySection (): string[] {
  const out = ['## 6. Replay while serving', '', stamp('replay'), '']
  out.push(`One client resumes \`GET /v1/events\` with \`Last-Event-ID: 0\` over ${fmt(P.replay.events)} events of one task (seeded straight through the SQLite store; \`SSE_REPLAY_HORIZON\` raised above that so the replay happens) and reads as fast as it can; ` +
    'meanwhile a second connection sends `GET /v1/tasks/:id` every 20 ms (`test/bench/replay-serving.ts`). Server RSS (VmRSS) sampled every 50 ms from outside; growth is the peak during the replay minus the value just before. ' +
    'Before the paged replay (issue #18): a 100,000-event replay took 2.7 s and held a `/healthz` sent 20 ms later for 2,518 ms; RSS went from 150 to 350 MiB.', '')
  const r = results.replay
  if (!r) return [...out, 'Not run.', '']
  if ('error' in r) return [...out, `**Failed:** ${r.error}`, '']
  const growth = (r.rssPeak - r.rssBefore) / 2 ** 20
  out.push('| Metric | Figure | Goal | Verdict |', '|---|---:|---|---|')
  out.push(`| \`GET /v1/tasks/:id\` during the replay, p99 | ${ms(r.probeP99)} | ≤ 50 ms | ${verdict(r.probeP99 <= 50)} |`)
  out.push(`| … its maximum | ${ms(r.probeMax)} | (informational) | — |`)
  out.push(`| … its median | ${ms(r.probeP50)} | (informational) | — |`)
  out.push(`| The same probe before the replay, p99 / median | ${ms(r.idleP99)} / ${ms(r.idleP50)} | (informational: the loaded machine's floor) | — |`)
  out.push(`| Server RSS growth during the replay | ${fmt(growth, 1)} MiB (from ${fmt(r.rssBefore / 2 ** 20, 1)} MiB) | < 50 MiB | ${verdict(growth < 50)} |`)
  out.push(`| Server CPU during the replay | ${fmt(r.cpuUs / 1e6, 2)} s (${fmt(r.cpuUs / r.events, 1)} µs per event) | (informational: before issue #18's stored-JSON replay, ~1.5 s) | — |`)
  out.push(`| Replay time | ${fmt(r.replaySec, 2)} s (${fmt(r.events / r.replaySec)} events/s, ${fmt(r.bytes / 2 ** 20, 1)} MiB) | (informational) | — |`)
  out.push('', `${fmt(r.probes)} probes during the replay; seeding took ${fmt(r.seedSec, 1)} s.`, '')
  return out
}

function storageSection (): string[] {
  const out = ['## 7. Storage per task and event', '', stamp('storage'), '']
  out.push(`\`test/bench/storage.ts\`: ${fmt(P.storage.tasks)} tasks over ${P.storage.owners} owners written straight through each store, then ${P.storage.eventsPerTask} more events per task; ` +
    'SQLite: pages in use after a WAL checkpoint (indexes included); Redis: `MEMORY USAGE` summed over every key of the run. Per event = growth from the extra events / their count; per task = the rest. ' +
    'The README turns these into the steady-state size for a rate and a retention.', '')
  const st = results.storage
  if (!st) return [...out, 'Not run.', '']
  if ('error' in st) return [...out, `**Failed:** ${st.error}`, '']
  out.push('| Backend | Per task, with its first event | Per further event |', '|---|---:|---:|')
  for (const f of st) out.push(`| ${f.backend} | ${fmt(f.bytesPerTask)} B | ${fmt(f.bytesPerEvent)} B |`)
  out.push('')
  return out
}

function growthSection (): string[] {
  const out = ['## 8. Reads as data grows', '', stamp('growth'), '']
  out.push(growthSetup(P.growth.sizes, P.growth.redisMax, P.growth.reads), '')
  const g = results.growth
  if (!g) return [...out, 'Not run.', '']
  if ('error' in g) return [...out, `**Failed:** ${g.error}`, '']
  out.push('| Layout | Read | p50 smallest / largest | p99 smallest / largest | p99 ratio | Goal | Met? |', '|---|---|---:|---:|---:|---|---|')
  for (const r of growthRatios(g)) {
    const goal = FILTER_READS.has(r.read)
    out.push(`| ${r.layout} | ${r.read} | ${ms(r.small.p50Ms)} / ${ms(r.large.p50Ms)} | ${ms(r.small.p99Ms)} / ${ms(r.large.p99Ms)} | ${fmt(r.ratio, 2)}× | ${goal ? '≤ 1.5×' : '(informational)'} | ${goal ? verdict(r.ratio <= 1.5) : '—'} |`)
  }
  out.push('')
  return out
}

function ingestRows (g: IngestResult): Row[] {
  const m = (k: Kind, f: (r: LoadRun) => number): number => median(g[k].map(f))
  return [
    { metric: 'Callbacks accepted per second', bff: m('bff', (r) => r.rps), base: m('baseline', (r) => r.rps), unit: (v) => fmt(v), goal: { op: '>=', value: 0.6 } },
    { metric: 'Ack latency p50', bff: m('bff', (r) => r.p50), base: m('baseline', (r) => r.p50), unit: ms },
    { metric: 'Ack latency p99', bff: m('bff', (r) => r.p99), base: m('baseline', (r) => r.p99), unit: ms },
    { metric: 'Server CPU per callback', bff: m('bff', (r) => r.cpuUs), base: m('baseline', (r) => r.cpuUs), unit: us }
  ]
}

function ingestRounds (g: IngestResult): string {
  return `Rounds — BFF callbacks/s: ${rounds(g.bff.map((r) => r.rps), (v) => fmt(v))}; baseline: ${rounds(g.baseline.map((r) => r.rps), (v) => fmt(v))}. ` +
    `Failed requests: BFF ${g.bff.reduce((n, r) => n + r.bad, 0)}, baseline ${g.baseline.reduce((n, r) => n + r.bad, 0)}. Check: ${g.verified}.`
}

function fanoutRows (f: Record<Kind, FanoutRound[]>, n: number): Row[] {
  const m = (k: Kind, fn: (r: FanoutRun) => number): number => median(f[k].map((round) => median(round.events.map(fn))))
  const goal = n >= 10_000 ? { op: '<=' as const, value: 1.5 } : undefined
  return [
    { metric: 'Time to last subscriber', bff: m('bff', (r) => r.ttl), base: m('baseline', (r) => r.ttl), unit: ms, ...(goal ? { goal } : {}) },
    { metric: 'Per-subscriber latency p50', bff: m('bff', (r) => r.p50), base: m('baseline', (r) => r.p50), unit: ms },
    { metric: 'Per-subscriber latency p99', bff: m('bff', (r) => r.p99), base: m('baseline', (r) => r.p99), unit: ms, ...(goal ? { goal } : {}) },
    { metric: 'Callback / publish answered after', bff: m('bff', (r) => r.ack), base: m('baseline', (r) => r.ack), unit: ms },
    { metric: 'Time to open all N streams', bff: median(f.bff.map((r) => r.openSec)) * 1000, base: median(f.baseline.map((r) => r.openSec)) * 1000, unit: ms }
  ]
}

function fanoutRounds (f: Record<Kind, FanoutRound[]>, n: number): string {
  return `Receivers per event: ${fmt(f.bff[0]?.receivers ?? Number.NaN)} of ${fmt(n)}. Rounds — BFF time to last: ${rounds(f.bff.map((r) => median(r.events.map((e) => e.ttl))), ms)}; ` +
    `baseline: ${rounds(f.baseline.map((r) => median(r.events.map((e) => e.ttl))), ms)}.`
}

/** (with N open − idle) / N, median over the rounds. */
function perStream (f: Record<Kind, FanoutRound[]>, n: number, k: Kind, field: 'rss' | 'heap'): number {
  return median(f[k].map((r) => field === 'rss' ? (r.rssOpen - r.rssIdle) / n : (r.heapOpen - r.heapIdle) / n))
}

// ---------------------------------------------------------------------------------------------

async function main (): Promise<void> {
  const t0 = nowMs()
  progress(`${cpus()[0]?.model ?? 'CPU'} × ${cpus().length}, Node ${process.version}; scenarios ${ONLY.join(', ')}, ${ROUNDS} round(s)${PROFILE ? ', BFF under --cpu-prof' : ''}`)
  const sim = Object.assign(await spawnChild('simulator', 'sim-server.ts'), {}) as Child & { url: string }
  sim.url = String(sim.info.url)
  try {
    if (ONLY.includes('create')) {
      progress('scenario 1: create overhead')
      try { results.create = await scenario('create', () => scenarioCreate(sim)) } catch (err) { progress(`create failed: ${String(err)}`); results.create = { error: String(err) } }
    }
    if (ONLY.includes('ingest')) {
      progress('scenario 2: callback ingest')
      try { results.ingest = await scenario('ingest', () => scenarioIngest(sim, 'embedded', ROUNDS)) } catch (err) { progress(`ingest failed: ${String(err)}`); results.ingest = { error: String(err) } }
    }
    if (ONLY.includes('fanout')) {
      progress('scenarios 3 and 4: fan-out and memory per stream')
      await scenario('fanout', () => scenarioFanout(sim, 'embedded', ROUNDS, results.fanout))
    }
    if (ONLY.includes('redis') || ONLY.includes('redis-fanout')) {
      progress(`scenario 5: Redis mode (${REDIS_URL}, key prefix ${REDIS_PREFIX}-*), ${REDIS_ROUNDS} round(s)`)
      try {
        results.redis = await redisInfo()
      } catch (err) {
        progress(`no Redis at ${REDIS_URL}: ${String(err)}`)
        results.redis = { error: `no Redis at ${REDIS_URL} (${err instanceof Error ? err.message : String(err)}); set BENCH_REDIS_URL` }
      }
      if ('info' in results.redis) {
        loads.set('redis', { before: loadAverage() })
        if (ONLY.includes('redis')) try { results.redisIngest = await scenarioIngest(sim, 'redis', REDIS_ROUNDS) } catch (err) { progress(`ingest (redis) failed: ${String(err)}`); results.redisIngest = { error: String(err) } }
        await scenarioFanout(sim, 'redis', REDIS_ROUNDS, results.redisFanout)
        loads.get('redis')!.after = loadAverage()
      }
    }
    if (ONLY.includes('replay')) {
      progress(`scenario 6: replay of ${fmt(P.replay.events)} events while serving`)
      try {
        results.replay = await scenario('replay', () => scenarioReplay({
          events: P.replay.events,
          dbPath: freshDb(),
          owner: 'replay',
          key: keyOf('replay'),
          startBff: (env) => startBff(sim.url, ['replay'], 'replay', { env })
        }))
        const r = results.replay
        progress(`replay: ${r.replaySec.toFixed(1)} s, probe p99 ${r.probeP99.toFixed(1)} ms (max ${r.probeMax.toFixed(1)}), RSS +${((r.rssPeak - r.rssBefore) / 2 ** 20).toFixed(1)} MiB`)
      } catch (err) { progress(`replay failed: ${String(err)}`); results.replay = { error: String(err) } }
    }
    if (ONLY.includes('storage')) {
      progress('scenario 7: storage per task and event')
      try {
        results.storage = await scenario('storage', () => measureStorage({ ...P.storage, redisUrl: REDIS_URL }))
      } catch (err) { progress(`storage failed: ${String(err)}`); results.storage = { error: String(err) } }
    }
    if (ONLY.includes('growth')) {
      progress('scenario 8: reads as data grows')
      try {
        results.growth = await scenario('growth', () => measureGrowth(P.growth.sizes, P.growth.reads, progress, P.growth.redisMax))
      } catch (err) { progress(`growth failed: ${String(err)}`); results.growth = { error: String(err) } }
    }
  } finally {
    await sim.stop()
    if (results.redis && 'info' in results.redis) {
      // Each pair deletes its keys when it stops; this sweeps whatever a failure left behind.
      const left = await deleteRedisKeys([`{${REDIS_PREFIX}-*`, `${REDIS_PREFIX}-*`])
      if (left > 0) progress(`deleted ${left} leftover Redis keys of ${REDIS_PREFIX}-*`)
    }
  }
  const md = report((nowMs() - t0) / 1000)
  if (WRITE_REPORT) {
    // Sections this run did not measure (other scenarios, Uploads from test/bench/upload.ts, notes) stay.
    const previous = existsSync(join(ROOT, 'BENCHMARKS.md')) ? readFileSync(join(ROOT, 'BENCHMARKS.md'), 'utf8') : ''
    const take = new Set(['Machine and command', ...ONLY.flatMap((name) => SECTIONS[name] ?? [])])
    writeFileSync(join(ROOT, 'BENCHMARKS.md'), mergeReport(previous, md, take, new Set(['Machine and command', ...Object.values(SECTIONS).flat()])))
    progress(`wrote ${[...take].join(', ')} into BENCHMARKS.md (${((nowMs() - t0) / 60_000).toFixed(1)} min)`)
  } else {
    process.stdout.write(`${md}\n`)
    progress('BENCHMARKS.md not written (partial, quick or profiling run)')
    if (PROFILE) progress(`profiles in ${PROFILE_DIR}; summarise with: npx tsx test/bench/cpuprofile-summary.ts <file.cpuprofile>`)
  }
}

const deadline = setTimeout(() => {
  progress(`global deadline of ${GLOBAL_DEADLINE_MS / 60_000} min passed; killing every child process`)
  killAll()
  process.exit(2)
}, GLOBAL_DEADLINE_MS)
deadline.unref()

try {
  await withTimeout(main(), GLOBAL_DEADLINE_MS, 'the benchmark')
} catch (err) {
  progress(`failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`)
  killAll()
  process.exitCode = 1
} finally {
  rmSync(tmp, { recursive: true, force: true })
}
