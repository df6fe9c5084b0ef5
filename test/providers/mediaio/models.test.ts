import { randomUUID } from 'node:crypto'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MEDIAIO_CAPABILITIES } from '../../../src/providers/mediaio/capabilities.ts'
import type { MediaioProvider } from '../../../src/providers/mediaio/client.ts'
import { MODELS } from '../../../src/providers/mediaio/models.ts'
import type { UpstreamReport } from '../../../src/providers/types.ts'
import { mediaioClient, startMediaioSimulator } from './harness.ts'
import { isFileOutput, type Output } from '../../../src/tasks/model.ts'

function fileUrl (output: Output): string {
  if (!isFileOutput(output)) throw new Error(`expected a file output, got ${output.type}`)
  return output.url
}

type Sim = Awaited<ReturnType<typeof startMediaioSimulator>>

function pngSize (bytes: Buffer): { width: number, height: number } {
  expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG')
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) }
}

/** Seconds from the movie header; the file must also open with an ftyp box. */
function mp4Seconds (bytes: Buffer): number {
  expect(bytes.subarray(4, 8).toString('latin1')).toBe('ftyp')
  const at = bytes.indexOf('mvhd')
  expect(at).toBeGreaterThan(0)
  const v1 = bytes[at + 4] === 1
  const timescale = v1 ? bytes.readUInt32BE(at + 24) : bytes.readUInt32BE(at + 16)
  const duration = v1 ? Number(bytes.readBigUInt64BE(at + 28)) : bytes.readUInt32BE(at + 20)
  return duration / timescale
}

async function finished (provider: MediaioProvider, id: string, capability: string): Promise<UpstreamReport> {
  const deadline = Date.now() + 30_000
  for (;;) {
    const report = await provider.get(id, { id: 'task-1', capability })
    if (report.status !== 'queued' && report.status !== 'processing') return report
    if (Date.now() > deadline) throw new Error(`task ${id} never finished`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

describe('Media.io catalogue', () => {
  it('defines every generation model of the document once, as mediaio-<model code>', () => {
    expect(MEDIAIO_CAPABILITIES).toHaveLength(22)
    const names = MEDIAIO_CAPABILITIES.map((c) => c.name)
    expect(new Set(names).size).toBe(22)
    expect(names).toContain('mediaio-i2v-kling-v2-1')
    expect(names).toContain('mediaio-t2i-imagen-4')
    const kinds = MODELS.reduce<Record<string, number>>((n, m) => ({ ...n, [m.kind]: (n[m.kind] ?? 0) + 1 }), {})
    expect(kinds).toEqual({ 'text-to-image': 2, 'image-to-image': 3, 'image-to-video': 14, 'text-to-video': 3 })
    for (const c of MEDIAIO_CAPABILITIES) {
      expect(c.provider).toBe('mediaio')
      expect(c.endpoint).toBe(`/generation/${c.model.family}/${c.model.code}`)
      expect(c.input.safeParse(c.example).success, c.name).toBe(true)
    }
  })
})

describe('every Media.io model end to end through the client and the simulator', () => {
  let sim: Sim
  let provider: MediaioProvider
  beforeAll(async () => {
    sim = await startMediaioSimulator({ queueMs: 20, processMs: 50, imageLongSide: 128 })
    provider = mediaioClient(sim.origin)
  })
  afterAll(async () => {
    await provider?.close()
    await sim?.sim.close()
  })

  it.each(MEDIAIO_CAPABILITIES.map((c) => [c.name, c] as const))('%s', async (name, c) => {
    const created = await provider.create({ taskId: randomUUID(), capability: name, input: c.example as Record<string, unknown>, deadlineAt: Date.now() + 600_000 })
    if (!('upstreamTaskId' in created)) throw new Error('expected a job')
    expect(created.traceId).toMatch(/^[0-9a-f]{32}$/)
    const sent = sim.handle.tasks.get(created.upstreamTaskId)!
    // Every value travels as a string (or an array of URL strings).
    for (const value of Object.values(sent.data)) expect(typeof value === 'string' || Array.isArray(value)).toBe(true)
    const report = await finished(provider, created.upstreamTaskId, name)
    expect(report.status).toBe('succeeded')
    expect(report.traceId).toBeTruthy()
    const expected = c.outputs[0]!.type
    expect(report.outputs!.length).toBe(Number(sent.data.counts ?? 1))
    for (const output of report.outputs!) {
      expect(output.type).toBe(expected)
      const res = await request(fileUrl(output))
      const bytes = Buffer.from(await res.body.arrayBuffer())
      expect(res.statusCode).toBe(200)
      if (expected === 'image') {
        expect(res.headers['content-type']).toMatch(/^image\/png/)
        const { width, height } = pngSize(bytes)
        const [rw, rh] = (c.example as { aspectRatio: string }).aspectRatio.split(':').map(Number)
        expect(Math.abs(width / height - rw! / rh!)).toBeLessThan(0.02)
      } else {
        expect(res.headers['content-type']).toMatch(/^video\/mp4/)
        expect(mp4Seconds(bytes)).toBeCloseTo(Number.parseInt(sent.data.duration as string ?? '5', 10), 1)
      }
    }
  })

  it('makes a video of the longest documented duration, and pictures at 4K scale', async () => {
    const long = await provider.create({ taskId: randomUUID(), capability: 'mediaio-t2v-vidu-q3', input: { prompt: 'A kite over dunes', duration: 16 }, deadlineAt: Date.now() + 600_000 })
    const big = await provider.create({ taskId: randomUUID(), capability: 'mediaio-i2i-banana-2', input: { prompt: 'Same, at night', imageUrls: ['https://example.com/a.png'], aspectRatio: '21:9', resolution: '4k' }, deadlineAt: Date.now() + 600_000 })
    if (!('upstreamTaskId' in long) || !('upstreamTaskId' in big)) throw new Error('expected jobs')
    const video = await finished(provider, long.upstreamTaskId, 'mediaio-t2v-vidu-q3')
    const image = await finished(provider, big.upstreamTaskId, 'mediaio-i2i-banana-2')
    expect(mp4Seconds(Buffer.from(await (await request(fileUrl(video.outputs![0]!))).body.arrayBuffer()))).toBeCloseTo(16, 1)
    const size = pngSize(Buffer.from(await (await request(fileUrl(image.outputs![0]!))).body.arrayBuffer()))
    expect(size).toEqual({ width: 512, height: 219 })
  })
})
