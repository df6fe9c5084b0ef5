import { describe, expect, it } from 'vitest'
import { MEDIAIO_CAPABILITIES } from '../../../src/providers/mediaio/capabilities.ts'
import { MODELS } from '../../../src/providers/mediaio/models.ts'

const cap = (name: string) => MEDIAIO_CAPABILITIES.find((c) => c.name === name)!
const valid = (name: string, body: Record<string, unknown>) => cap(name).input.safeParse({ ...cap(name).example, ...body }).success

describe('Media.io limits, checked just outside their ranges', () => {
  it.each(MODELS.map((m) => [m.code, m] as const))('%s', (code, m) => {
    const name = `mediaio-${code}`
    expect(valid(name, { prompt: 'x'.repeat(m.prompt.max) })).toBe(true)
    expect(valid(name, { prompt: 'x'.repeat(m.prompt.max + 1) })).toBe(false)
    if (m.ratio) {
      expect(valid(name, { aspectRatio: m.ratio.values[0] })).toBe(true)
      expect(valid(name, { aspectRatio: '5:4' })).toBe(false)
    }
    if (m.duration) {
      const max = Math.max(...m.duration.values)
      expect(valid(name, { duration: max, ...(m.resolutionOnlyAt ? { resolution: '768p' } : {}) })).toBe(true)
      expect(valid(name, { duration: max + 1 })).toBe(false)
      expect(valid(name, { duration: `${max}s` })).toBe(false)
    } else {
      expect(valid(name, { duration: 5 })).toBe(false)
    }
    if (m.resolution) expect(valid(name, { resolution: '8k' })).toBe(false)
    else expect(valid(name, { resolution: '720p' })).toBe(false)
    if (m.counts) {
      expect(valid(name, { count: m.counts.max })).toBe(true)
      expect(valid(name, { count: m.counts.max + 1 })).toBe(false)
      expect(valid(name, { count: 0 })).toBe(false)
    }
    if (m.images) {
      expect(valid(name, { imageUrls: Array.from({ length: m.images.maxCount }, (_, i) => `https://example.com/${i}.png`) })).toBe(true)
      expect(valid(name, { imageUrls: Array.from({ length: m.images.maxCount + 1 }, (_, i) => `https://example.com/${i}.png`) })).toBe(false)
      expect(valid(name, { imageUrls: [] })).toBe(false)
      expect(valid(name, { imageUrls: ['https://example.com/a.webp'] })).toBe(false)
    }
    if (m.image) {
      const refused = ['gif', 'webp', 'bmp', 'heic', 'mp4'].find((ext) => !m.image!.formats.includes(ext))!
      expect(valid(name, { imageUrl: `https://example.com/a.${refused}` })).toBe(false)
      expect(valid(name, { imageUrl: 'https://example.com/picture' })).toBe(true)
      expect(valid(name, { imageUrl: `upload:${'a'.repeat(32)}` })).toBe(true)
    }
    if (m.video) {
      expect(valid(name, { videoUrl: 'https://example.com/a.webm' })).toBe(false)
      expect(valid(name, { videoUrl: 'https://example.com/a.mov' })).toBe(true)
    }
    expect(valid(name, { seed: 1 })).toBe(false)
    if (m.prompt.required) expect(cap(name).input.safeParse({ ...cap(name).example, prompt: undefined }).success).toBe(false)
    else expect(cap(name).input.safeParse({ ...cap(name).example, prompt: undefined }).success).toBe(true)
  })

  it('allows Hailuo 2.3 at 1080p only for 6 s', () => {
    expect(valid('mediaio-i2v-minimax-v2-3', { resolution: '1080p', duration: 6 })).toBe(true)
    expect(valid('mediaio-i2v-minimax-v2-3', { resolution: '1080p', duration: 10 })).toBe(false)
    expect(valid('mediaio-i2v-minimax-v2-3', { resolution: '768p', duration: 10 })).toBe(true)
  })

  it('shows every limit the BFF cannot check in the field\'s description', () => {
    const schema = JSON.stringify((cap('mediaio-i2v-motion-control-kling-v2-6').input as unknown as { toJSONSchema: () => unknown }).toJSONSchema())
    expect(schema).toContain('MP4, MOV; up to 100 MB; 720-2160 px per side; 24-60 fps; 3-30 s long')
  })
})
