import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { MediaioProvider } from '../../../src/providers/mediaio/client.ts'
import { API_KEY, mediaioClient, startMediaioSimulator } from './harness.ts'

type Sim = Awaited<ReturnType<typeof startMediaioSimulator>>

// Written by hand from the document's tables, not derived from the catalogue.
const CASES: { capability: string, input: Record<string, unknown>, body: unknown }[] = [
  {
    capability: 'mediaio-t2i-imagen-4',
    input: { prompt: 'a cute puppy', aspectRatio: '1:1', count: 3 },
    body: { data: { prompt: 'a cute puppy', ratio: '1:1', counts: '3' } }
  },
  {
    capability: 'mediaio-i2v-veo-v3-1',
    input: { prompt: 'waves', imageUrl: 'https://example.com/a.jpg', generateAudio: false },
    body: { data: { prompt: 'waves', image: 'https://example.com/a.jpg', aspect_ratio: '9:16', resolution: '720P', duration: '4s', generate_audio: 'False' } }
  },
  {
    capability: 'mediaio-t2v-wan-v2-6',
    input: { prompt: 'a paper boat', aspectRatio: '4:3', duration: 15, shotType: 'single' },
    body: { data: { prompt: 'a paper boat', size: '4:3', duration: '15s', shot_type: 'Single', generate_audio: 'True' } }
  },
  {
    capability: 'mediaio-i2v-kling-v3-0',
    input: { prompt: 'a dancer', imageUrl: 'https://example.com/d.png', resolution: '720p', duration: 8, multiShots: false },
    body: { data: { prompt: 'a dancer', image: 'https://example.com/d.png', resolution: '720P', duration: '8s', multi_shots: 'False', generate_audio: 'True' } }
  },
  {
    capability: 'mediaio-i2i-banana-2',
    input: { prompt: 'at night', imageUrls: ['https://example.com/1.png', 'https://example.com/2.jpeg'], resolution: '2k' },
    body: { data: { prompt: 'at night', images: ['https://example.com/1.png', 'https://example.com/2.jpeg'], ratio: '16:9', resolution: '2K' } }
  },
  {
    capability: 'mediaio-i2v-motion-control-kling-v2-6',
    input: { videoUrl: 'https://example.com/moves.mov', imageUrl: 'https://example.com/me.jpg' },
    body: { data: { video: 'https://example.com/moves.mov', image: 'https://example.com/me.jpg' } }
  }
]

describe('Media.io create bodies', () => {
  let sim: Sim
  let provider: MediaioProvider
  beforeAll(async () => {
    sim = await startMediaioSimulator({ queueMs: 20, processMs: 50 })
    provider = mediaioClient(sim.origin)
  })
  afterAll(async () => {
    await provider?.close()
    await sim?.sim.close()
  })

  it.each(CASES.map((c) => [c.capability, c] as const))('%s sends exactly the documented body', async (_name, c) => {
    const before = sim.handle.bodies.length
    await provider.create({ taskId: randomUUID(), capability: c.capability, input: c.input, deadlineAt: Date.now() + 60_000 })
    expect(sim.handle.bodies.slice(before)).toEqual([c.body])
  })

  it('authenticates with X-API-KEY only, never with the key in the body', async () => {
    await provider.create({ taskId: randomUUID(), capability: 'mediaio-t2i-soul-character', input: { prompt: 'a knight' }, deadlineAt: Date.now() + 60_000 })
    expect(JSON.stringify(sim.handle.bodies.at(-1))).not.toContain(API_KEY)
  })

  it('reads the balance, which each create lowers', async () => {
    const { credits } = await provider.credits()
    await provider.create({ taskId: randomUUID(), capability: 'mediaio-t2i-soul-character', input: { prompt: 'a knight' }, deadlineAt: Date.now() + 60_000 })
    expect((await provider.credits()).credits).toBe(credits - 10)
    await expect(provider.ping!()).resolves.toBeUndefined()
  })
})
