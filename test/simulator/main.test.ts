import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { postJson, sleep, startReceiver, waitFor } from './helpers.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

let child: ChildProcess | undefined

function run (env: Record<string, string>): { child: ChildProcess, out: () => string, exited: Promise<number | null> } {
  let out = ''
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/providers/tomoviee/simulator/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  proc.stdout.on('data', (c: Buffer) => { out += c.toString('utf8') })
  proc.stderr.on('data', (c: Buffer) => { out += c.toString('utf8') })
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)))
  child = proc
  return { child: proc, out: () => out, exited }
}

afterEach(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  child = undefined
})

describe('npm run simulator entry', () => {
  it('listens, logs its URL and key but not the secret, serves requests and exits on SIGTERM', async () => {
    const sim = run({ SIMULATOR_PORT: '0', SIMULATOR_APP_KEY: 'main-key', SIMULATOR_APP_SECRET: 'main-secret-value', SIMULATOR_QUEUE_MS: '5', SIMULATOR_PROCESS_MS: '5' })
    await waitFor(() => sim.out().includes('ToMoviee simulator listening'), 15_000, 'the listening line')
    const line = sim.out().split('\n').find((l) => l.includes('ToMoviee simulator listening')) ?? ''
    const { url, appKey } = JSON.parse(line) as { url: string, appKey: string }
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(appKey).toBe('main-key')
    const headers = {
      authorization: `Basic ${Buffer.from('main-key:main-secret-value').toString('base64')}`,
      'x-app-key': 'main-key',
      'content-type': 'application/json'
    }
    const res = await postJson(`${url}/v1/open/capacity/application/tm_video_scoring`, { video: 'https://example.com/a.mp4' }, headers)
    expect(res.json).toMatchObject({ code: 0, msg: 'success' })
    expect(sim.out()).not.toContain('main-secret-value')
    sim.child.kill('SIGTERM')
    expect(await sim.exited).toBe(0)
  })

  it('refuses an invalid environment, naming the variable', async () => {
    const sim = run({ SIMULATOR_PORT: 'eighty' })
    expect(await sim.exited).toBe(1)
    expect(sim.out()).toContain('SIMULATOR_PORT')
  })

  it.each([
    ['SIMULATOR_CALLBACK_RETRIES', '-1'],
    ['SIMULATOR_CALLBACK_RETRIES', 'many'],
    ['SIMULATOR_CALLBACK_RETRY_DELAY_MS', '-5']
  ])('refuses %s=%s', async (name, value) => {
    const sim = run({ [name]: value })
    expect(await sim.exited).toBe(1)
    expect(sim.out()).toContain(name)
  })

  it('applies SIMULATOR_CALLBACK_RETRIES and SIMULATOR_CALLBACK_RETRY_DELAY_MS', async () => {
    const receiver = await startReceiver(() => 500)
    try {
      const sim = run({
        SIMULATOR_PORT: '0',
        SIMULATOR_QUEUE_MS: '5',
        SIMULATOR_PROCESS_MS: '5',
        SIMULATOR_CALLBACK_RETRIES: '2',
        SIMULATOR_CALLBACK_RETRY_DELAY_MS: '10'
      })
      await waitFor(() => sim.out().includes('ToMoviee simulator listening'), 15_000, 'the listening line')
      const line = sim.out().split('\n').find((l) => l.includes('ToMoviee simulator listening')) ?? ''
      const { url } = JSON.parse(line) as { url: string }
      const headers = {
        authorization: `Basic ${Buffer.from('sim-app-key:sim-app-secret').toString('base64')}`,
        'x-app-key': 'sim-app-key',
        'content-type': 'application/json'
      }
      await postJson(`${url}/v1/open/capacity/application/tm_video_scoring`, { video: 'https://example.com/a.mp4', callback: receiver.url }, headers)
      await waitFor(() => sim.out().includes('callback abandoned after the last retry'), 5000, 'the give-up log')
      await sleep(100)
      expect(receiver.received).toHaveLength(3)
      sim.child.kill('SIGTERM')
      expect(await sim.exited).toBe(0)
    } finally {
      await receiver.close()
    }
  })
})
