/**
 * The benchmark's servers and load: the BFF (alone, or as a pair on one Redis) and the raw
 * baselines as child processes, CPU profiles of the BFF, and autocannon runs that sample the
 * servers' CPU time per request.
 */
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import autocannon, { type Options, type Result } from 'autocannon'
import { freePort } from '../helper.ts'
import { APP_KEY, APP_SECRET, NO_LIMIT, STREAM_TOKEN_SECRET, cpuUs, nowMs, percentile, spawnChild, type Child } from './common.ts'
import { PROFILE, PROFILE_DIR, REDIS_PREFIX, REDIS_URL, apiKeys, freshDb } from './options.ts'
import { bffBuildEnv } from './bff-build.ts'
import { deleteRedisKeys } from './redis-admin.ts'

export function bffEnv (port: number, simUrl: string, owners: string[], extra: Record<string, string> = {}): Record<string, string> {
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
    // Polls of watched tasks would apply the simulator's progress ahead of the benchmark's own
    // callbacks, which then change nothing (and fail the fan-out's check).
    PROGRESS_POLL_MS: '0',
    WEBHOOK_VERIFY: 'false',
    ...extra
  }
}

let profileSeq = 0
/** Profiled BFF processes: where the profile goes, and the measured windows to attribute. */
const profiled = new Map<Child, { windows: { label: string, startUs: number, endUs: number }[] }>()

export async function startBff (simUrl: string, owners: string[], scenario: string, opts: { port?: number, env?: Record<string, string>, fdLimit?: number } = {}): Promise<Child & { url: string }> {
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
  const child = await spawnChild('bff', 'bff-server.ts', { env: { ...bffEnv(port, simUrl, owners, opts.env), ...bffBuildEnv() }, nodeArgs, ...(opts.fdLimit === undefined ? {} : { fdLimit: opts.fdLimit }) })
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
export type Mode = 'embedded' | 'redis'

/** The BFF side of a scenario: its instances, where tasks are created and where callbacks land. */
export interface Deployment {
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
export async function startDeployment (mode: Mode, simUrl: string, owners: string[], scenario: string): Promise<Deployment> {
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

/** Runs `fn` and, when profiling, records its time span as a window of the server's profile. */
export async function measured<T> (servers: Child | Child[], label: string, fn: () => Promise<T>): Promise<T> {
  const start = nowMs()
  try {
    return await fn()
  } finally {
    for (const server of [servers].flat()) profiled.get(server)?.windows.push({ label, startUs: Math.round(start * 1000), endUs: Math.round(nowMs() * 1000) })
  }
}

export async function startRaw (script: string, env: Record<string, string> = {}): Promise<Child & { url: string }> {
  const port = await freePort()
  const child = await spawnChild(script.replace(/\.ts$/, ''), script, { env: { PORT: String(port), ...env }, nodeArgs: ['--expose-gc'] })
  return Object.assign(child, { url: `http://127.0.0.1:${port}` })
}

export type Kind = 'bff' | 'baseline'
/** Alternating order, swapped every round so neither side always runs first. */
export const orderOf = (round: number): Kind[] => round % 2 === 1 ? ['bff', 'baseline'] : ['baseline', 'bff']

export async function post (url: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number, json: unknown }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, signal: AbortSignal.timeout(10_000) })
  const text = await res.text()
  let json: unknown
  try { json = JSON.parse(text) } catch { json = text }
  return { status: res.status, json }
}

/** `cpuUs`: CPU time of the server process(es) per 2xx response, µs. */
export interface LoadRun { rps: number, p50: number, p99: number, ok: number, bad: number, cpuUs: number }

/**
 * Runs autocannon and keeps every 2xx response's duration itself: autocannon's own histogram has
 * 1 ms resolution, too coarse for a baseline that answers in well under a millisecond.
 */
export async function load (opts: Options, servers: Child[] = []): Promise<LoadRun> {
  const latencies: number[] = []
  const cpuOf = (): number => servers.reduce((sum, s) => sum + cpuUs(s.pid), 0)
  const cpuBefore = cpuOf()
  const instance = autocannon(opts)
  instance.on('response', (_client, status, _bytes, time) => { if (status >= 200 && status < 300) latencies.push(time) })
  const r: Result = await instance
  const cpu = servers.length ? (cpuOf() - cpuBefore) / Math.max(1, r['2xx']) : Number.NaN
  return { rps: r['2xx'] / r.duration, p50: percentile(latencies, 50), p99: percentile(latencies, 99), ok: r['2xx'], bad: r.non2xx + r.errors + r.timeouts, cpuUs: cpu }
}
