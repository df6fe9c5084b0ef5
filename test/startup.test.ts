import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { PROJECT_ROOT } from '../src/meta.ts'
import { freePort } from './helper.ts'

// A port in this engineer's private range where no Redis listens.
const NO_REDIS_PORT = 6441
const dir = mkdtempSync(join(tmpdir(), 'bff-startup-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Starts the real server entry and resolves once it has exited (it must, for a refused start). */
async function start (env: Record<string, string>): Promise<{ code: number | null, output: string, lines: string[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'src/server.ts')], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'warn', DATABASE_PATH: ':memory:', SIMULATOR_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout.on('data', (d: Buffer) => { output += d.toString() })
  child.stderr.on('data', (d: Buffer) => { output += d.toString() })
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)))
  return { code, output, lines: output.split('\n').filter((l) => l.startsWith('Cannot start: ')) }
}

async function occupy (): Promise<{ port: number, server: Server }> {
  const port = await freePort()
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return { port, server }
}

const noStackTrace = (output: string): void => expect(output).not.toMatch(/^\s+at /m)

describe('a refused start', () => {
  it('in production without credentials says what is missing in one line, and never runs the demo', async () => {
    const run = await start({ NODE_ENV: 'production' })
    expect(run.code).toBe(1)
    expect(run.lines).toEqual(['Cannot start: TOMOVIEE_APP_KEY, TOMOVIEE_APP_SECRET and API_KEYS (or JWT_SECRET / JWT_JWKS_URL): required with NODE_ENV=production (demo mode never runs in production)'])
    expect(run.output).not.toContain('DEMO MODE')
    noStackTrace(run.output)
  })

  it('in production without client credentials names API_KEYS', async () => {
    const run = await start({ NODE_ENV: 'production', TOMOVIEE_APP_KEY: 'k', TOMOVIEE_APP_SECRET: 's' })
    expect(run.code).toBe(1)
    expect(run.lines).toEqual(['Cannot start: API_KEYS (or JWT_SECRET / JWT_JWKS_URL): required with NODE_ENV=production (demo mode never runs in production)'])
  })

  it('names a bad variable and its value', async () => {
    const run = await start({ PORT: 'eighty', LOG_LEVEL: 'loud' })
    expect(run.code).toBe(1)
    expect(run.lines).toEqual(expect.arrayContaining([expect.stringMatching(/^Cannot start: PORT="eighty": /), expect.stringMatching(/^Cannot start: LOG_LEVEL="loud": /)]))
    noStackTrace(run.output)
  })

  it('names PORT when the port is taken, and leaves the simulator stopped (the process exits)', async () => {
    const { port, server } = await occupy()
    try {
      const run = await start({ PORT: String(port) })
      expect(run.code).toBe(1)
      expect(run.lines).toEqual([`Cannot start: PORT=${port}: port ${port} on 127.0.0.1 is already in use; stop what holds it or set PORT to a free port`])
      noStackTrace(run.output)
    } finally {
      server.close()
    }
  })

  it('names SIMULATOR_PORT when the simulator port is taken', async () => {
    const { port, server } = await occupy()
    try {
      const run = await start({ PORT: String(await freePort()), SIMULATOR_PORT: String(port) })
      expect(run.code).toBe(1)
      expect(run.lines).toEqual([expect.stringMatching(new RegExp(`^Cannot start: SIMULATOR_PORT=${port}: port ${port} on 127\\.0\\.0\\.1 is already in use`))])
      noStackTrace(run.output)
    } finally {
      server.close()
    }
  })

  it('names DATABASE_PATH under a file or at a folder, before the simulator starts', async () => {
    const file = join(dir, 'plain-file')
    writeFileSync(file, 'x')
    const under = await start({ DATABASE_PATH: join(file, 'bff.sqlite') })
    expect(under.code).toBe(1)
    expect(under.lines).toEqual([expect.stringMatching(/^Cannot start: DATABASE_PATH=".*plain-file\/bff\.sqlite": .*plain-file is a file/)])
    expect(under.output).not.toContain('DEMO MODE')
    const folder = await start({ DATABASE_PATH: dir })
    expect(folder.lines).toEqual([expect.stringMatching(/^Cannot start: DATABASE_PATH=".*": is a folder/)])
  })

  it('waits for an unreachable Redis as stated, then names REDIS_URL', async () => {
    const run = await start({ REDIS_URL: `redis://:hunter2@127.0.0.1:${NO_REDIS_PORT}` })
    expect(run.code).toBe(1)
    expect(run.lines).toEqual([`Cannot start: REDIS_URL=redis://:***@127.0.0.1:${NO_REDIS_PORT}: Redis is not reachable (ECONNREFUSED) after 5 attempts over 8 s; start Redis or fix REDIS_URL`])
    expect(run.output.match(/Redis is not reachable yet; retrying/g)).toHaveLength(4)
    expect(run.output).not.toContain('hunter2')
  }, 60_000)
})
