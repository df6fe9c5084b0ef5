/**
 * Shared pieces of the benchmark (`npm run bench`): credentials, statistics, and child processes
 * started through `bash -c 'ulimit -n <hard limit> && exec node …'` with an IPC channel, so that
 * every server and client runs in its own process with the largest file-descriptor limit allowed.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url))
export const ROOT = join(BENCH_DIR, '..', '..')

export const APP_KEY = 'bench-app-key'
export const APP_SECRET = 'bench-app-secret-not-a-real-one'
export const STREAM_TOKEN_SECRET = 'bench-stream-token-secret-0123456789abcdef'
/** High enough that no limit of the BFF takes part in a measurement. */
export const NO_LIMIT = '1000000000'

/** Monotonic milliseconds (CLOCK_MONOTONIC), comparable between processes on one machine. */
export const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

export function median (values: readonly number[]): number {
  const xs = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b)
  if (xs.length === 0) return Number.NaN
  const mid = Math.floor(xs.length / 2)
  return xs.length % 2 === 1 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2
}

/** Nearest-rank percentile (p in 0..100) of a sorted copy. */
export function percentile (values: readonly number[], p: number): number {
  const xs = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b)
  if (xs.length === 0) return Number.NaN
  const rank = Math.min(xs.length, Math.max(1, Math.ceil((p / 100) * xs.length)))
  return xs[rank - 1]!
}

export async function withTimeout<T> (promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms) })
    ])
  } finally {
    clearTimeout(timer)
  }
}

const started = nowMs()
/** One progress line on stderr, with the elapsed time. */
export function progress (message: string): void {
  process.stderr.write(`[bench ${((nowMs() - started) / 1000).toFixed(1).padStart(6)} s] ${message}\n`)
}

/** Resident set size of a process as the kernel reports it (VmRSS), in bytes. */
export function rssBytes (pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1]
  if (kb === undefined) throw new Error(`no VmRSS for pid ${pid}`)
  return Number(kb) * 1024
}

export interface Child {
  name: string
  proc: ChildProcess
  /** The node process itself (bash execs into it, so this is also the spawned pid). */
  pid: number
  /** What the child sent with its ready message. */
  info: Record<string, unknown>
  /** Sends a command and resolves with the child's answer. */
  call: <T = unknown>(cmd: string, args?: Record<string, unknown>, timeoutMs?: number) => Promise<T>
  /** Unsolicited messages ({type: …}) from the child. */
  onEvent: (fn: (msg: Record<string, unknown>) => void) => void
  exited: Promise<number | null>
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop: (graceMs?: number) => Promise<void>
}

const children = new Set<Child>()

/** Kills every child still alive (used on fatal errors and at the global deadline). */
export function killAll (): void {
  for (const child of children) {
    try { child.proc.kill('SIGKILL') } catch {}
  }
}

export interface SpawnOptions {
  env?: Record<string, string>
  nodeArgs?: string[]
  readyTimeoutMs?: number
  /** Extra stdout/stderr lines are forwarded with this prefix (warnings of a child). */
  quiet?: boolean
  /** Open-file limit of the child; the hard limit when absent. */
  fdLimit?: number
}

/** Starts `test/bench/<script>` under node + tsx through bash, with the fd limit raised to the hard limit (or set to `fdLimit`). */
export async function spawnChild (name: string, script: string, opts: SpawnOptions = {}): Promise<Child> {
  const args = [...(opts.nodeArgs ?? []), '--import', 'tsx', join(BENCH_DIR, script)]
  // eslint-disable-next-line no-template-curly-in-string -- a shell expansion, not a template
  const proc = spawn('bash', ['-c', 'ulimit -n "${BENCH_FD_LIMIT:-$(ulimit -Hn)}" 2>/dev/null; exec "$0" "$@"', process.execPath, ...args], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TMPDIR: process.env.TMPDIR ?? '/tmp', NODE_ENV: 'production',
      ...(opts.fdLimit === undefined ? {} : { BENCH_FD_LIMIT: String(opts.fdLimit) }),
      ...opts.env
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc']
  })
  const forward = (chunk: Buffer): void => {
    if (opts.quiet) return
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) process.stderr.write(`  [${name}] ${line}\n`)
  }
  proc.stdout!.on('data', forward)
  proc.stderr!.on('data', forward)
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)))

  let nextId = 1
  const pending = new Map<number, { resolve: (v: unknown) => void, reject: (e: Error) => void }>()
  const listeners: ((msg: Record<string, unknown>) => void)[] = []
  let resolveReady!: (info: Record<string, unknown>) => void
  const ready = new Promise<Record<string, unknown>>((resolve) => { resolveReady = resolve })
  proc.on('message', (raw) => {
    const msg = raw as Record<string, unknown>
    if (msg.type === 'ready') return resolveReady(msg)
    if (typeof msg.reply === 'number') {
      const waiter = pending.get(msg.reply)
      pending.delete(msg.reply)
      if (msg.error !== undefined) waiter?.reject(new Error(`${name}: ${String(msg.error)}`))
      else waiter?.resolve(msg.result)
      return
    }
    for (const fn of listeners) fn(msg)
  })
  proc.on('error', () => {})
  void exited.then((code) => {
    children.delete(child)
    for (const waiter of pending.values()) waiter.reject(new Error(`${name} exited (code ${code})`))
    pending.clear()
  })

  const child: Child = {
    name,
    proc,
    pid: proc.pid!,
    info: {},
    call (cmd, extra = {}, timeoutMs = 60_000) {
      const id = nextId++
      const answer = new Promise((resolve, reject) => pending.set(id, { resolve, reject }))
      proc.send({ id, cmd, ...extra })
      return withTimeout(answer, timeoutMs, `${name} ${cmd}`) as Promise<never>
    },
    onEvent (fn) { listeners.push(fn) },
    exited,
    async stop (graceMs = 15_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return
      proc.kill('SIGTERM')
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs)
      await exited
      clearTimeout(timer)
    }
  }
  children.add(child)
  try {
    child.info = await withTimeout(Promise.race([ready, exited.then((code) => { throw new Error(`${name} exited with ${code} before it was ready`) })]), opts.readyTimeoutMs ?? 30_000, `${name} ready`)
  } catch (err) {
    proc.kill('SIGKILL')
    throw err
  }
  return child
}

let clockTicks: number | undefined
/**
 * CPU time (user + system) a process has used so far, in µs, read from outside (/proc/<pid>/stat),
 * so only the server under test counts, never the load generator. Resolution: one clock tick.
 */
export function cpuUs (pid: number): number {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 1e6 / clockTicks
}

/** The machine's load averages, for the report: how busy the shared cores were. */
export function loadAverage (): string {
  try { return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ') } catch { return 'unknown' }
}
