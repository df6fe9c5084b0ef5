import { z } from 'zod'
import { defineCapability, promptSchema } from '../../../tasks/capabilities/types.ts'

const example = { prompt: 'Heavy wooden door creaking open slowly in a stone hallway', duration: 6, count: 2 }

const Input = z.strictObject({
  prompt: promptSchema(1000).describe('Sound source + action or context + character'),
  duration: z.int().min(5).max(180).default(10).describe('Length in seconds'),
  count: z.int().min(1).max(4).optional().describe('Number of variants (upstream default 1)')
}).meta({ id: 'TextToSfx', examples: [example] })

const Upstream = z.object({
  prompt: z.string().min(1),
  duration: z.int().min(5).max(180),
  qty: z.int().min(1).max(4).optional()
})

export const textToSfx = defineCapability({
  name: 'text-to-sfx',
  endpoint: 'tm_text2sfx',
  summary: 'Sound effects from a text description',
  description: 'Generates 1-4 variants of a sound effect described in words. Output: audio files.',
  input: Input,
  upstream: Upstream,
  toUpstream: (i) => ({ prompt: i.prompt, duration: i.duration, ...(i.count !== undefined ? { qty: i.count } : {}) }),
  media: {},
  outputs: [{ key: 'audio_path', type: 'audio' }],
  typicalSeconds: { min: 10, max: 60 },
  example
})
