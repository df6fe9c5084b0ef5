import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { PROJECT_ROOT } from '../src/meta.ts'

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
