import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isFileOutput, type Task } from '../../src/tasks/model.ts'
import { bearer, eventually, getTask, startStack, tempDbPath, type Stack } from '../helper.ts'
import { mediaDir } from '../uploads/helpers.ts'

const SECRET = 'media-link-secret-for-custody-tests-0123'

export interface Backend { env: () => Record<string, string>, close?: () => Promise<void> }

async function create (stack: Stack, capability: string, body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${stack.url}/v1/tasks/${capability}`, { method: 'POST', headers: { ...bearer(), 'content-type': 'application/json' }, body: JSON.stringify(body) })
  expect(res.status).toBe(202)
  return (await res.json() as { id: string }).id
}

const finished = async (stack: Stack, id: string): Promise<Task> =>
  (await eventually(() => getTask(stack, id), (t) => t.body.status === 'succeeded' || t.body.status === 'failed', 15_000)).body

const bytes = async (url: string, headers: Record<string, string> = {}): Promise<{ status: number, body: Buffer, headers: Headers }> => {
  const res = await fetch(url, { headers })
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()), headers: res.headers }
}

const metric = async (stack: Stack, name: string): Promise<string> => (await stack.bff.metrics.registry.getSingleMetricAsString(name))

/** Output custody over real sockets, with the media store of `backend` (disk or S3). */
export function runCustodySuite (name: string, backend: () => Promise<Backend>): void {
  describe(`output custody (${name})`, () => {
    let be: Backend
    let stack: Stack
    let dir: string
    let db: ReturnType<typeof tempDbPath>
    beforeAll(async () => {
      be = await backend()
      dir = mediaDir()
      db = tempDbPath()
      stack = await startStack({ env: { MEDIA_DIR: dir, MEDIA_LINK_SECRET: SECRET, DATABASE_PATH: db.path, OUTPUT_COPY_RETRY_MS: '300', ...be.env() } })
    })
    afterAll(async () => {
      await stack.close()
      await be.close?.()
      db.cleanup()
      rmSync(dir, { recursive: true, force: true })
    })

    it('copies outputs before the success is told: BFF links without credentials, byte ranges, the gateway\'s URL as sourceUrl', async () => {
      const id = await create(stack, 'text-to-music', { prompt: 'calm piano' })
      const task = await finished(stack, id)
      expect(task.status).toBe('succeeded')
      const [out] = task.outputs.filter(isFileOutput)
      expect(out!.url.startsWith(`${stack.url}/media/outputs/${id}/0?expires=`)).toBe(true)
      expect(out!.sourceUrl!.startsWith(`${stack.simUrl}/assets/`)).toBe(true)
      expect(out!.custody!.status).toBe('stored')
      const lifetime = Date.parse(out!.custody!.expiresAt!) - Date.now()
      expect(lifetime).toBeGreaterThan(29 * 86_400_000)
      // The success event itself, as SSE replays it, already carries the final URL.
      const event = await stack.bff.eventLog.latest(id)
      expect([event!.type, event!.task.outputs.filter(isFileOutput)[0]!.url]).toEqual(['task.succeeded', out!.url])

      const original = await bytes(out!.sourceUrl!)
      const copy = await bytes(out!.url)
      expect([copy.status, copy.headers.get('content-type'), copy.headers.get('accept-ranges')]).toEqual([200, 'audio/wav', 'bytes'])
      expect(copy.body.equals(original.body)).toBe(true)
      const part = await bytes(out!.url, { range: 'bytes=100-199' })
      expect([part.status, part.headers.get('content-range'), part.body.length]).toEqual([206, `bytes 100-199/${original.body.length}`, 100])
      expect(part.body.equals(original.body.subarray(100, 200))).toBe(true)
      expect(await metric(stack, 'bff_output_copies_total')).toContain('bff_output_copies_total{result="stored"}')
    })

    it('keeps the task succeeded with the gateway\'s URL when the copy fails, and retries it durably, across a restart', async () => {
      stack.sim.simulator.faults.assetStatus = 500
      const id = await create(stack, 'text-to-music', { prompt: 'cdn outage' })
      const task = await finished(stack, id)
      expect(task.status).toBe('succeeded')
      const [out] = task.outputs.filter(isFileOutput)
      expect(out!.url).toBe(out!.sourceUrl)
      expect(out!.custody).toMatchObject({ status: 'failed', retrying: true, error: 'the gateway answered HTTP 500' })
      expect(await metric(stack, 'bff_output_copies_total')).toMatch(/bff_output_copies_total\{result="failed"\} [1-9]/)

      // The owed retry lives in the media store, so a new process picks it up.
      await stack.stopBff()
      stack.sim.simulator.faults.assetStatus = null
      await stack.startBff()
      const healed = await eventually(() => getTask(stack, id), (t) => t.body.outputs.filter(isFileOutput)[0]?.custody?.status === 'stored', 15_000)
      const fixed = healed.body.outputs.filter(isFileOutput)[0]!
      expect(fixed.url.startsWith(`${stack.url}/media/outputs/${id}/0?`)).toBe(true)
      expect(fixed.sourceUrl).toBe(out!.sourceUrl)
      expect((await bytes(fixed.url)).status).toBe(200)
      const event = await stack.bff.eventLog.latest(id)
      expect([event!.type, event!.task.outputs.filter(isFileOutput)[0]!.url]).toEqual(['task.succeeded', fixed.url])
    })

    it('refuses a forged link, and still serves copies once the simulator is gone', async () => {
      const id = await create(stack, 'text-to-music', { prompt: 'to keep' })
      const { url } = (await finished(stack, id)).outputs.filter(isFileOutput)[0]!
      const forged = await fetch(url.replace(/sig=[^&]+/, 'sig=AAAA'))
      expect([forged.status, (await forged.json() as { code: string }).code]).toEqual([403, 'BFF_ERR_MEDIA_LINK_INVALID'])
      await stack.sim.close()
      const after = await bytes(url, { range: 'bytes=0-43' })
      expect([after.status, after.body.subarray(0, 4).toString('latin1')]).toEqual([206, 'RIFF'])
    })
  })

  describe(`output custody limits and retention (${name})`, () => {
    let be: Backend
    let stack: Stack
    let dir: string
    beforeAll(async () => {
      be = await backend()
      dir = mediaDir()
      stack = await startStack({ env: { MEDIA_DIR: dir, MEDIA_LINK_SECRET: SECRET, OUTPUT_MAX_BYTES: '200000', OUTPUT_RETENTION_MS: '6000', ...be.env() } })
    })
    afterAll(async () => {
      await stack.close()
      await be.close?.()
      rmSync(dir, { recursive: true, force: true })
    })

    it('leaves an output over the size limit with the gateway\'s URL and no retry', async () => {
      const id = await create(stack, 'text-to-music', { prompt: 'too long' })
      const task = await finished(stack, id)
      expect(task.status).toBe('succeeded')
      expect(task.outputs.filter(isFileOutput)[0]).toMatchObject({ custody: { status: 'failed', retrying: false, error: 'the file is larger than 200000 bytes' } })
      expect(task.outputs.filter(isFileOutput)[0]!.url).toBe(task.outputs.filter(isFileOutput)[0]!.sourceUrl)
    })

    it('answers 410 once the retention has passed, says so on the task, and the sweep frees the bytes', async () => {
      const id = await create(stack, 'image-redraw', { prompt: 'watercolour', imageUrl: 'https://example.com/photo.png' })
      const task = await finished(stack, id)
      const [out] = task.outputs.filter(isFileOutput)
      expect(out!.custody!.status).toBe('stored')
      const expired = await eventually(() => bytes(out!.url), (r) => r.status !== 200, 15_000)
      expect([expired.status, (JSON.parse(expired.body.toString()) as { code: string }).code]).toEqual([410, 'BFF_ERR_MEDIA_EXPIRED'])
      expect((await getTask(stack, id)).body.outputs.filter(isFileOutput)[0]!.custody!.status).toBe('expired')

      const swept = await stack.bff.mediaSweep.run()
      expect(swept.shared!.deleted).toBeGreaterThanOrEqual(1)
      expect(await metric(stack, 'bff_media_freed_bytes_total')).toMatch(/area="shared"\} [1-9]\d{4,}/)
      expect(await stack.bff.media.stat(`outputs/${id}/0`)).toBeNull()
      expect((await fetch(out!.url)).status).toBe(410)
    })
  })
}
