import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { PROJECT_ROOT } from '../src/meta.ts'
import { ALICE, APP_KEY, APP_SECRET } from './helper.ts'

export interface BffProcess {
  child: ChildProcess
  /** Everything the process wrote to stdout and stderr. */
  output: () => string
  /** Resolves with the exit code (or signal) once the process is gone. */
  exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
}

/** Runs the real server entry (src/server.ts) as a child process, as `npm start` would. */
export async function spawnBff (env: Record<string, string>, url: string, startTimeoutMs = 20_000): Promise<BffProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'src/server.ts')], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  child.stdout!.on('data', (d: Buffer) => { out += d.toString() })
  child.stderr!.on('data', (d: Buffer) => { out += d.toString() })
  const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  const deadline = Date.now() + startTimeoutMs
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break
    } catch {}
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the BFF did not start:\n${out}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return { child, output: () => out, exited }
}

/**
 * The environment of a BFF process that crash tests kill and restart: its own port and database
 * file (kept across the restart), ToMoviee at `tomoviee`, Alice's key, and limits no test trips.
 */
export function crashEnv (opts: { port: number, databasePath: string, tomoviee: string }): Record<string, string> {
  const url = `http://127.0.0.1:${opts.port}`
  return {
    PORT: String(opts.port),
    HOST: '127.0.0.1',
    PUBLIC_URL: url,
    DATABASE_PATH: opts.databasePath,
    TOMOVIEE_BASE_URL: opts.tomoviee,
    TOMOVIEE_APP_KEY: APP_KEY,
    TOMOVIEE_APP_SECRET: APP_SECRET,
    API_KEYS: `${ALICE.owner}:${ALICE.key}`,
    // Fixed, so stream tokens minted before a restart still verify after it.
    STREAM_TOKEN_SECRET: 'crash-test-stream-secret-0123456789',
    RATE_LIMIT_MAX: '100000',
    RATE_LIMIT_OWNER_MAX: '100000',
    RATE_LIMIT_CREATE_MAX: '100000',
    MAX_ACTIVE_TASKS_PER_OWNER: '1000',
    PROGRESS_POLL_MS: '0'
  }
}
