import { Writable } from 'node:stream'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REDACT_PATHS } from '../../../src/logger.ts'
import { isFileOutput, type Output, type Task } from '../../../src/tasks/model.ts'
import { bearer, eventually, freePort, startStack, type Stack } from '../../helper.ts'
import { spawnBff, type BffProcess } from '../../process.ts'
import { SECRET_ID, SECRET_KEY, startTencentSimulator } from './harness.ts'

function fileUrl (output: Output): string {
  if (!isFileOutput(output)) throw new Error(`expected a file output, got ${output.type}`)
  return output.url
}

const BODY = { imageUrl: 'https://images.example.com/beach.png', songCount: 2, format: 'mp3', emotion: 'romantic', genre: 'soft' }

async function create (base: string, headers: Record<string, string>, body: Record<string, unknown> = BODY): Promise<Task> {
  const res = await fetch(`${base}/v1/tasks/tencent-image-to-music`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) })
  if (res.status !== 202) throw new Error(`create answered ${res.status}: ${await res.text()}`)
  return await res.json() as Task
}

const finished = (base: string, headers: Record<string, string>, id: string) => eventually(
  async () => await (await fetch(`${base}/v1/tasks/${id}`, { headers })).json() as Task,
  (t) => ['succeeded', 'failed', 'timed_out', 'canceled'].includes(t.status), 60_000)

describe('Tencent end to end, real credentials against its simulator', () => {
  let tencent: Awaited<ReturnType<typeof startTencentSimulator>>
  let stack: Stack
  const lines: string[] = []

  beforeAll(async () => {
    tencent = await startTencentSimulator()
    // Every line the BFF logs, at every level, as it would reach a log collector.
    const sink = new Writable({ write (chunk: Buffer, _enc, done) { lines.push(chunk.toString()); done() } })
    const logger = pino({ level: 'trace', redact: { paths: REDACT_PATHS, censor: '[REDACTED]' } }, sink)
    stack = await startStack({
      env: { TENCENT_ENDPOINT: tencent.endpoint, TENCENT_SECRET_ID: SECRET_ID, TENCENT_SECRET_KEY: SECRET_KEY, TENCENT_OUTPUT_BASE_URL: tencent.storage },
      logger
    })
  }, 60_000)
  afterAll(async () => {
    await stack?.close()
    await tencent?.sim.close()
  })

  it('offers the capability with its provider', async () => {
    const res = await fetch(`${stack.url}/v1/capabilities`, { headers: bearer() })
    const { items } = await res.json() as { items: { name: string, provider: string }[] }
    expect(items.find((c) => c.name === 'tencent-image-to-music')?.provider).toBe('tencent')
    expect(items.find((c) => c.name === 'text-to-music')?.provider).toBe('tomoviee')
  })

  it('creates, is called back at /webhooks/tencent, confirms with GetJob and hands out playable files', async () => {
    const task = await create(stack.url, bearer())
    expect(task).toMatchObject({ provider: 'tencent', capability: 'tencent-image-to-music', status: 'queued' })
    const job = [...tencent.sim.tencentSimulator.jobs.values()].find((j) => j.job.customId === task.id)!
    expect(job.job.callback).toMatch(new RegExp(`^${stack.url}/webhooks/tencent\\?task=${task.id}&token=`))
    const done = await finished(stack.url, bearer(), task.id)
    expect(done).toMatchObject({ status: 'succeeded', provider: 'tencent', progress: 100 })
    expect(done.outputs).toHaveLength(2)
    // Verification is on with real credentials: the unsigned callback was confirmed with GetJob.
    expect(tencent.sim.tencentSimulator.counts.GetJob).toBeGreaterThan(0)
    for (const output of done.outputs) {
      const res = await fetch(fileUrl(output))
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toMatch(/^audio\/mpeg/)
      const bytes = Buffer.from(await res.arrayBuffer())
      // An MPEG audio frame sync (11 set bits) at the start, or an ID3 tag before it.
      expect(bytes.subarray(0, 3).toString('latin1') === 'ID3' || (bytes[0] === 0xff && (bytes[1]! & 0xe0) === 0xe0)).toBe(true)
    }
  })

  it('reports a failed job as failed', async () => {
    const task = await create(stack.url, bearer(), { ...BODY, imageUrl: 'https://images.example.com/beach.png#fail' })
    expect(await finished(stack.url, bearer(), task.id)).toMatchObject({ status: 'failed', error: { code: 'BFF_ERR_TASK_FAILED' } })
  })

  it('refuses a callback with another task\'s token, and one sent to the other provider\'s webhook', async () => {
    const task = await create(stack.url, bearer())
    const job = [...tencent.sim.tencentSimulator.jobs.values()].find((j) => j.job.customId === task.id)!
    const url = new URL(job.job.callback!)
    const forged = await fetch(`${stack.url}/webhooks/tencent?task=${task.id}&token=not-the-token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(job.job) })
    expect(forged.status).toBe(401)
    const elsewhere = await fetch(`${stack.url}/webhooks/tomoviee${url.search}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(job.job) })
    expect(elsewhere.status).toBe(400)
    expect(await elsewhere.json()).toMatchObject({ code: 'BFF_ERR_WEBHOOK_INVALID' })
    await finished(stack.url, bearer(), task.id)
  })

  it('never writes the secrets into a log line', () => {
    expect(lines.length).toBeGreaterThan(10)
    expect(lines.some((l) => l.includes('tencent'))).toBe(true)
    for (const line of lines) {
      expect(line).not.toContain(SECRET_KEY)
      expect(line).not.toContain(SECRET_ID)
    }
  })
})

describe('Tencent end to end in demo mode (the real server process, no credentials at all)', () => {
  let bff: BffProcess
  let dir: string
  let base: string

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tencent-demo-'))
    const port = await freePort()
    base = `http://127.0.0.1:${port}`
    bff = await spawnBff({ PORT: String(port), SIMULATOR_PORT: '0', DATABASE_PATH: join(dir, 'bff.sqlite'), MEDIA_DIR: join(dir, 'media') }, base)
  }, 60_000)
  afterAll(async () => {
    bff?.child.kill('SIGTERM')
    await bff?.exited
    rmSync(dir, { recursive: true, force: true })
  })

  it('says in one start-up line which providers are simulated', async () => {
    await eventually(() => bff.output(), (out) => out.includes('providers: '), 10_000)
    expect(bff.output()).toMatch(/providers: tomoviee simulated at http:\/\/127\.0\.0\.1:\d+, tencent simulated at http:\/\/127\.0\.0\.1:\d+/)
  })

  it('runs a Tencent task against the built-in simulator with the dev key', async () => {
    const headers = { authorization: 'Bearer dev-key' }
    const task = await create(base, headers)
    const done = await finished(base, headers, task.id)
    expect(done).toMatchObject({ status: 'succeeded', provider: 'tencent' })
    const res = await fetch(fileUrl(done.outputs[0]!))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^audio\/mpeg/)
  })
})
