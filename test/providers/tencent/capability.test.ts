import { describe, expect, it } from 'vitest'
import { describeCapability } from '../../../src/tasks/capabilities/describe.ts'
import type { CapabilityDefinition } from '../../../src/tasks/capabilities/types.ts'
import { tencentImageToMusic as def } from '../../../src/providers/tencent/capability.ts'
import { ActionRequestSchema, ImageBgmGenerationSchema } from '../../../src/providers/tencent/wire.ts'

const image = 'https://images.example.com/a/photo.jpeg'
const issues = (body: unknown) => {
  const r = def.input.safeParse(body)
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
}

describe('tencent-image-to-music input', () => {
  it('fills the documented defaults', () => {
    expect(def.input.parse({ imageUrl: image })).toEqual({ imageUrl: image, songCount: 1, format: 'mp3', modelType: 'large-model' })
  })

  it('accepts png, jpg, jpeg and webp images only, by the path', () => {
    for (const ext of ['png', 'jpg', 'jpeg', 'webp', 'PNG']) expect(issues({ imageUrl: `https://h.example/x.${ext}?v=1` })).toEqual([])
    for (const url of ['https://h.example/x.gif', 'https://h.example/x', 'https://h.example/x.png.exe', 'ftp://h.example/x.png', 'not a url']) {
      expect(issues({ imageUrl: url })[0], url).toMatch(/^imageUrl: /)
    }
  })

  it('bounds songCount to 1-100 whole songs', () => {
    expect(issues({ imageUrl: image, songCount: 100 })).toEqual([])
    for (const songCount of [0, 101, 1.5, '2']) expect(issues({ imageUrl: image, songCount })[0]).toMatch(/^songCount: /)
  })

  it('takes warm and angry only with the multitrack model', () => {
    for (const emotion of ['warm', 'angry']) {
      expect(issues({ imageUrl: image, emotion })).toEqual([`emotion: ${emotion} needs modelType multitrack`])
      expect(issues({ imageUrl: image, emotion, modelType: 'multitrack' })).toEqual([])
    }
    expect(issues({ imageUrl: image, emotion: 'happy', modelType: 'multitrack' })).toEqual([])
  })

  it('takes no genre with the multitrack model', () => {
    expect(issues({ imageUrl: image, genre: 'jazz', modelType: 'multitrack' })).toEqual(['genre: modelType multitrack takes no genre'])
    expect(issues({ imageUrl: image, genre: 'jazz' })).toEqual([])
  })

  it('refuses unknown enum values', () => {
    expect(issues({ imageUrl: image, emotion: 'bored' })[0]).toMatch(/^emotion: /)
    expect(issues({ imageUrl: image, genre: 'metal' })[0]).toMatch(/^genre: /)
    expect(issues({ imageUrl: image, format: 'wav' })[0]).toMatch(/^format: /)
    expect(issues({ imageUrl: image, modelType: 'small' })[0]).toMatch(/^modelType: /)
  })

  it('maps names to the documented numbers', () => {
    const up = def.toUpstream(def.input.parse({ imageUrl: image, songCount: 3, format: 'mp4', modelType: 'multitrack', emotion: 'angry' }))
    expect(up).toEqual({ url: image, imageBgmGeneration: { songQuantity: 3, outputType: 2, type: 2, emotion: 11 } })
    expect(def.toUpstream(def.input.parse({ imageUrl: image, emotion: 'fear', genre: 'china' })).imageBgmGeneration)
      .toEqual({ songQuantity: 1, outputType: 1, type: 1, emotion: 9, genre: 3 })
    expect(def.upstream.safeParse(up).success).toBe(true)
  })

  it('has a valid example and describes itself like the other capabilities', () => {
    expect(issues(def.example)).toEqual([])
    const described = describeCapability(def as unknown as CapabilityDefinition)
    expect(described).toMatchObject({ name: 'tencent-image-to-music', outputType: 'audio' })
    expect(Object.keys((described.inputSchema as { properties: object }).properties)).toEqual(['imageUrl', 'songCount', 'format', 'modelType', 'emotion', 'genre'])
    expect(def.provider).toBe('tencent')
  })
})

describe('the wire schema the simulator enforces', () => {
  it('holds the same constraints in upstream numbers', () => {
    expect(ImageBgmGenerationSchema.safeParse({ songQuantity: 1, emotion: 10 }).success).toBe(false)
    expect(ImageBgmGenerationSchema.safeParse({ songQuantity: 1, emotion: 10, type: 2 }).success).toBe(true)
    expect(ImageBgmGenerationSchema.safeParse({ songQuantity: 1, genre: 1, type: 2 }).success).toBe(false)
    expect(ImageBgmGenerationSchema.safeParse({ songQuantity: 101 }).success).toBe(false)
    // Enums travel as numbers; names are refused (see DISAGREEMENTS.md).
    expect(ImageBgmGenerationSchema.safeParse({ songQuantity: 1, outputType: 'MP3' }).success).toBe(false)
  })

  it('wants exactly one of url and source per input, and a customId under 64 characters', () => {
    const create = (createJobRequest: object) => ActionRequestSchema.safeParse({ action: 'CreateJob', secretId: 'i', secretKey: 'k', createJobRequest }).success
    const outputs = [{ smartContentDescriptor: { imageBgmGeneration: { songQuantity: 1 } } }]
    expect(create({ inputs: [{ url: image }], outputs })).toBe(true)
    expect(create({ inputs: [{ source: { contentId: 'c', path: '/p.png' } }], outputs })).toBe(true)
    expect(create({ inputs: [{ url: image, source: { contentId: 'c', path: '/p.png' } }], outputs })).toBe(false)
    expect(create({ inputs: [{}], outputs })).toBe(false)
    expect(create({ inputs: [], outputs })).toBe(false)
    expect(create({ inputs: [{ url: image }], outputs, customId: 'x'.repeat(63) })).toBe(true)
    expect(create({ inputs: [{ url: image }], outputs, customId: 'x'.repeat(64) })).toBe(false)
  })
})
