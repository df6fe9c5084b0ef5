import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MEDIAIO_CAPABILITIES } from '../../../src/providers/mediaio/capabilities.ts'
import { createSqliteStore } from '../../../src/store/sqlite.ts'
import { isFileOutput, type Task } from '../../../src/tasks/model.ts'
import { PROVIDER_CASES } from '../../fixtures/capabilities.ts'
import { bearer, eventually, startStack, tempDbPath, type Stack } from '../../helper.ts'
import { API_KEY, FAST_POLLING, startMediaioSimulator } from './harness.ts'

async function create (stack: Stack, capability: string, body: Record<string, unknown>): Promise<{ status: number, task: Task & { error?: unknown, issues?: unknown } }> {
  const res = await fetch(`${stack.url}/v1/tasks/${capability}`, { method: 'POST', headers: { ...bearer(), 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: res.status, task: await res.json() as Task }
}

const finished = (stack: Stack, id: string) => eventually(
  async () => await (await fetch(`${stack.url}/v1/tasks/${id}`, { headers: bearer() })).json() as Task,
  (t) => ['succeeded', 'failed', 'timed_out', 'canceled'].includes(t.status), 90_000)

describe('Media.io end to end through the BFF, a real key against its simulator', () => {
  let mediaio: Awaited<ReturnType<typeof startMediaioSimulator>>
  let stack: Stack
  const db = tempDbPath()

  beforeAll(async () => {
    mediaio = await startMediaioSimulator()
    stack = await startStack({ env: { MEDIAIO_BASE_URL: mediaio.origin, MEDIAIO_API_KEY: API_KEY, DATABASE_PATH: db.path, ...FAST_POLLING } })
  }, 60_000)
  afterAll(async () => {
    await stack?.close()
    await mediaio?.sim.close()
    db.cleanup()
  })

  // Table-driven from the catalogue: every model, with the fixtures' body for it.
  it.each(MEDIAIO_CAPABILITIES.map((c) => [c.name, c] as const))('%s: created, polled to succeeded, outputs fetched with their type', async (name, def) => {
    const body = PROVIDER_CASES.find((c) => c.name === name)!.body
    const { status, task } = await create(stack, name, body)
    expect(status).toBe(202)
    expect(task).toMatchObject({ provider: 'mediaio', capability: name, status: 'queued' })
    const done = await finished(stack, task.id)
    expect(done.status, JSON.stringify(done)).toBe('succeeded')
    const kind = def.outputs[0]!.type
    expect(done.outputs.length).toBeGreaterThan(0)
    if (typeof body.count === 'number') expect(done.outputs).toHaveLength(body.count)
    for (const output of done.outputs) {
      expect(output.type).toBe(kind)
      if (!isFileOutput(output)) throw new Error('expected a file output')
      const res = await fetch(output.url)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toMatch(kind === 'video' ? /^video\/mp4/ : /^image\/png/)
      const bytes = Buffer.from(await res.arrayBuffer())
      if (kind === 'video') expect(bytes.subarray(4, 8).toString('latin1')).toBe('ftyp')
      else expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG')
    }
  }, 120_000)

  it('polls from the model\'s typical time on, never a callback (no URL was sent)', async () => {
    const before = mediaio.handle.counts.result
    const { task } = await create(stack, 'mediaio-t2i-imagen-4', { prompt: 'A lighthouse at dusk' })
    const record = (await stack.bff.taskStore.get(task.id))!
    // 1% of Imagen's typical minimum (10 s), ±20% jitter, at least the 100 ms base delay.
    expect(record.nextCheckAt! - Date.parse(record.createdAt)).toBeGreaterThanOrEqual(80)
    expect(record.nextCheckAt! - Date.parse(record.createdAt)).toBeLessThanOrEqual(120)
    expect(JSON.stringify(mediaio.handle.bodies.at(-1))).not.toContain('webhooks')
    expect((await finished(stack, task.id)).status).toBe('succeeded')
    expect(mediaio.handle.counts.result).toBeGreaterThan(before)
  })

  it('fails a task whose job fails', async () => {
    const failed = await create(stack, 'mediaio-t2i-imagen-4', { prompt: 'A lighthouse at dusk #fail' })
    expect(await finished(stack, failed.task.id)).toMatchObject({ status: 'failed' })
  })

  it('checks each element of imageUrls like a single URL field', async () => {
    const { status, task } = await create(stack, 'mediaio-i2i-banana', {
      prompt: 'Turn it into winter', imageUrls: ['https://example.com/a.png', 'http://example.com/b.png', 'https://127.0.0.1/c.png']
    })
    expect(status).toBe(400)
    const issues = (task as unknown as { issues: { path: string }[] }).issues.map((i) => i.path)
    expect(issues).toEqual(['body.imageUrls.1', 'body.imageUrls.2'])
  })

  it('keeps the schedule across a restart: the stored next poll is kept, and the new process finishes the task', async () => {
    const { task } = await create(stack, 'mediaio-i2v-kling-v2-1', { prompt: 'Waves roll in', imageUrl: 'https://example.com/h.png' })
    const before = (await stack.bff.taskStore.get(task.id))!
    await stack.stopBff()
    const store = createSqliteStore(db.path)
    const stored = (await store.get(task.id))!
    await store.close()
    expect(stored.status).not.toMatch(/succeeded|failed|timed_out/)
    expect(stored.nextCheckAt).toBe(before.nextCheckAt)
    expect(stored.checkAttempts).toBe(before.checkAttempts)
    await stack.startBff()
    expect((await finished(stack, task.id)).status).toBe('succeeded')
  })
})

describe('Media.io tasks at their deadline', () => {
  let mediaio: Awaited<ReturnType<typeof startMediaioSimulator>>
  let stack: Stack

  beforeAll(async () => {
    mediaio = await startMediaioSimulator()
    // Imagen's typical maximum is 60 s: its tasks are given up after 3 s.
    stack = await startStack({ env: { MEDIAIO_BASE_URL: mediaio.origin, MEDIAIO_API_KEY: API_KEY, TASK_DEADLINE_FACTOR: '0.05', ...FAST_POLLING } })
  }, 60_000)
  afterAll(async () => {
    await stack?.close()
    await mediaio?.sim.close()
  })

  it('keeps an unknown status running, polled with backoff, until the hard deadline times it out', async () => {
    const { task } = await create(stack, 'mediaio-t2i-imagen-4', { prompt: 'A lighthouse at dusk #unknown-status #hang' })
    const polledRunning = await eventually(async () => (await stack.bff.taskStore.get(task.id))!, (t) => t.checkAttempts >= 2, 30_000)
    expect(polledRunning.status).toBe('processing')
    const done = await finished(stack, task.id)
    expect(done).toMatchObject({ status: 'timed_out', error: { code: 'BFF_ERR_TASK_TIMED_OUT' } })
    const record = (await stack.bff.taskStore.get(task.id))!
    expect(Date.parse(record.updatedAt)).toBeGreaterThanOrEqual(record.deadlineAt)
  })
})
