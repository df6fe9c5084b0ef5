import { mkdtempSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import { Agent, getGlobalDispatcher, setGlobalDispatcher } from 'undici'
import { buildApp } from '../src/app.ts'
import { loadConfig, type Config } from '../src/config.ts'
import { buildSimulator, type SimulatorOptions } from '../src/providers/tomoviee/simulator/app.ts'
import type { Task } from '../src/tasks/model.ts'
import { freePort } from './ports.ts'

export { freePort }

export const APP_KEY = 'it-app-key'
export const APP_SECRET = 'it-app-secret-do-not-log'
export const ALICE = { owner: 'alice', key: 'alice-key-0001' }
export const BOB = { owner: 'bob', key: 'bob-key-00002' }

export const bearer = (who: { key: string } = ALICE): Record<string, string> => ({ authorization: `Bearer ${who.key}` })

/** A configuration as the environment would give it, with test keys and credentials. */
export function testConfig (env: Record<string, string> = {}): Config {
  return loadConfig({
    DATABASE_PATH: ':memory:',
    MEDIA_DIR: join(tmpdir(), 'bff-test-media'),
    LOG_LEVEL: 'silent',
    API_KEYS: `${ALICE.owner}:${ALICE.key},${BOB.owner}:${BOB.key}`,
    TOMOVIEE_APP_KEY: APP_KEY,
    TOMOVIEE_APP_SECRET: APP_SECRET,
    // Generous limits so suites that create many tasks test what they mean to; limit tests lower them.
    RATE_LIMIT_MAX: '100000',
    RATE_LIMIT_CREATE_MAX: '10000',
    RATE_LIMIT_OWNER_MAX: '10000',
    MAX_ACTIVE_TASKS_PER_OWNER: '10000',
    // Suites that drive callbacks themselves count the events they cause; progress polls of
    // watched tasks would add their own. The progress suite turns them on.
    PROGRESS_POLL_MS: '0',
    ...env
  })
}

export function tempDbPath (): { path: string, cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'bff-test-'))
  return { path: join(dir, 'bff.sqlite'), cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** The test's own keep-alive sockets (and ones fetch opened speculatively) would hold server.close() open. */
export async function dropClientConnections (): Promise<void> {
  const clientPool = getGlobalDispatcher()
  setGlobalDispatcher(new Agent())
  await clientPool.destroy()
}

export interface Stack {
  bff: FastifyInstance
  sim: FastifyInstance
  url: string
  simUrl: string
  config: Config
  /** Stops the BFF only (the simulator keeps running), for restart tests. */
  stopBff: () => Promise<void>
  /** Starts a fresh BFF on the same port and configuration. */
  startBff: () => Promise<void>
  close: () => Promise<void>
}

/** The BFF and the simulator on loopback ports, wired as in production: real HTTP both ways. */
export async function startStack (opts: { env?: Record<string, string>, sim?: Partial<SimulatorOptions>, logger?: FastifyBaseLogger } = {}): Promise<Stack> {
  const sim = await buildSimulator({ appKey: APP_KEY, appSecret: APP_SECRET, queueMs: 30, processMs: 120, progressSteps: 3, ...opts.sim })
  await sim.listen({ host: '127.0.0.1', port: 0 })
  const simUrl = `http://127.0.0.1:${(sim.server.address() as AddressInfo).port}`
  const port = await freePort()
  const config = testConfig({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, TOMOVIEE_BASE_URL: simUrl, ...opts.env })

  const stack: Stack = {
    bff: undefined as unknown as FastifyInstance,
    sim,
    url: config.publicUrl,
    simUrl,
    config,
    async stopBff () { await stack.bff.close() },
    async startBff () {
      stack.bff = await buildApp({ config, logger: opts.logger ?? false })
      await stack.bff.listen({ host: '127.0.0.1', port })
    },
    async close () {
      await dropClientConnections()
      await stack.bff.close()
      await sim.close()
    }
  }
  await stack.startBff()
  return stack
}

export async function createTask (stack: Stack, body: Record<string, unknown>, who = ALICE): Promise<Task> {
  const res = await fetch(`${stack.url}/v1/tasks/video-scoring`, {
    method: 'POST',
    headers: { ...bearer(who), 'content-type': 'application/json' },
    body: JSON.stringify({ videoUrl: 'https://example.com/clip.mp4', ...body })
  })
  if (res.status !== 202) throw new Error(`create answered ${res.status}: ${await res.text()}`)
  return await res.json() as Task
}

export async function getTask (stack: Stack, id: string, who = ALICE): Promise<{ status: number, body: Task }> {
  const res = await fetch(`${stack.url}/v1/tasks/${id}`, { headers: bearer(who) })
  return { status: res.status, body: await res.json() as Task }
}

/** Polls (in the test only) until the predicate holds or the time runs out. */
export async function eventually<T> (fn: () => Promise<T> | T, accept: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await fn()
    if (accept(value)) return value
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms; last value: ${JSON.stringify(value)}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

/** The callback URL (with its per-task token) that the BFF gave the gateway for a task. */
export function callbackUrlOf (stack: Stack, taskId: string): string {
  for (const t of stack.sim.simulator.tasks.values()) {
    if (t.body.params === taskId) return String(t.body.callback)
  }
  throw new Error(`the simulator has no task for ${taskId}`)
}
