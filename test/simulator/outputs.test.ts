import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { z } from 'zod'
import type { CapabilityDefinition } from '../../src/tasks/capabilities/types.ts'
import { APP_KEY, APP_SECRET, authHeaders, waitFor } from './helpers.ts'

// Stand-ins with small schemas exercise the image, mask and video paths.
vi.mock('../../src/providers/tomoviee/capabilities/index.ts', () => {
  const stub = (endpoint: string, upstream: z.ZodType<Record<string, unknown>>, outputs: CapabilityDefinition['outputs']): CapabilityDefinition => ({
    name: endpoint,
    endpoint,
    summary: '',
    description: '',
    input: z.object({}),
    upstream,
    toUpstream: () => ({}),
    media: {},
    outputs,
    typicalSeconds: { min: 1, max: 2 },
    example: {}
  })
  const defs = [
    stub('tm_reference_img2img', z.object({ image: z.url(), batch_size: z.int().min(1).max(4) }), [{ key: 'images_path', type: 'image' }]),
    stub('tm_redrawing', z.object({ image: z.url(), image_num: z.int().min(1).max(4).optional() }), [{ key: 'image_path', type: 'image' }, { key: 'mask_path', type: 'mask' }]),
    stub('tm_text2video_b', z.object({ prompt: z.string().min(1) }), [{ key: 'video_path', type: 'video' }])
  ]
  return { TOMOVIEE_CAPABILITIES: defs, findCapabilityByEndpoint: (e: string) => defs.find((d) => d.endpoint === e), findTomovieeCapability: () => undefined }
})

const { buildSimulator } = await import('../../src/providers/tomoviee/simulator/app.ts')

let app: FastifyInstance | undefined
afterEach(async () => {
  await app?.close()
  app = undefined
})

async function finished (endpoint: string, payload: Record<string, unknown>): Promise<Record<string, string[]>> {
  app = app ?? await buildSimulator({ appKey: APP_KEY, appSecret: APP_SECRET, queueMs: 0, processMs: 10, publicUrl: 'http://sim' })
  const s = app
  const res = await s.inject({ method: 'POST', url: `/v1/open/capacity/application/${endpoint}`, headers: authHeaders(), payload })
  expect(res.statusCode).toBe(200)
  const taskId = res.json<{ data: { task_id: string } }>().data.task_id
  await waitFor(() => s.simulator.tasks.get(taskId)?.status === 3, 2000, 'success')
  return JSON.parse(s.simulator.tasks.get(taskId)?.result ?? '') as Record<string, string[]>
}

function path (url: string | undefined): string {
  return new URL(url ?? '').pathname
}

describe('non-audio outputs', () => {
  it('returns batch_size image URLs that serve PNGs', async () => {
    const result = await finished('tm_reference_img2img', { image: 'https://example.com/a.png', batch_size: 3 })
    expect(result.images_path).toHaveLength(3)
    for (const url of result.images_path ?? []) {
      const res = await app?.inject(path(url))
      expect(res?.statusCode).toBe(200)
      expect(res?.headers['content-type']).toBe('image/png')
      expect(res?.rawPayload.subarray(1, 4).toString('ascii')).toBe('PNG')
      expect(res?.rawPayload.toString('ascii', 12, 16)).toBe('IHDR')
    }
  })

  it('fills every output key with image_num files, masks as grayscale PNG', async () => {
    const result = await finished('tm_redrawing', { image: 'https://example.com/a.png', image_num: 2 })
    expect(Object.keys(result)).toEqual(['image_path', 'mask_path'])
    expect(result.image_path).toHaveLength(2)
    expect(result.mask_path).toHaveLength(2)
    const mask = await app?.inject(path(result.mask_path?.[1]))
    expect(mask?.headers['content-type']).toBe('image/png')
    expect(mask?.rawPayload[25]).toBe(0) // IHDR colour type: grayscale
  })

  it('validates with the upstream schema of the capability', async () => {
    app = await buildSimulator({ appKey: APP_KEY, appSecret: APP_SECRET })
    const res = await app.inject({ method: 'POST', url: '/v1/open/capacity/application/tm_reference_img2img', headers: authHeaders(), payload: { image: 'https://example.com/a.png', batch_size: 5 } })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ code: 400, msg: 'Invalid parameters: batch_size: Too big: expected number to be <=4' })
  })

  it('returns video URLs that serve MP4s', async () => {
    const result = await finished('tm_text2video_b', { prompt: 'a cat' })
    expect(result.video_path?.[0]).toMatch(/^http:\/\/sim\/assets\/[0-9a-f]{32}\/0\.mp4$/)
    const res = await app?.inject(path(result.video_path?.[0]))
    expect(res?.statusCode).toBe(200)
    expect(res?.headers['content-type']).toBe('video/mp4')
    expect(res?.headers['cache-control']).toBe('public, max-age=3600')
    expect(res?.rawPayload.toString('ascii', 4, 12)).toBe('ftypisom')
  })
})
