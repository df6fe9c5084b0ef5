import { z } from 'zod'
import { defineCapability, promptSchema } from '../../../tasks/capabilities/types.ts'

const example = { prompt: 'Warm lo-fi hip hop with soft piano and vinyl crackle', duration: 30, count: 2 }

const Input = z.strictObject({
  prompt: promptSchema(1000).describe('Theme and atmosphere (+ instruments); about 77 tokens are used, the rest is cut upstream'),
  // 5-95: the skill document allows 0-95, the broader audio reference 5-900; this range satisfies both.
  duration: z.int().min(5).max(95).default(20).describe('Length of each track in seconds'),
  count: z.int().min(1).max(4).default(1).describe('Number of tracks to generate'),
  disableTranslate: z.boolean().optional().describe('Send the prompt as written, without upstream translation')
}).meta({ id: 'TextToMusic', examples: [example] })

const Upstream = z.object({
  prompt: z.string().min(1),
  duration: z.int().min(0).max(95),
  qty: z.int().min(1).max(4),
  disable_translate: z.boolean().optional()
})

export const textToMusic = defineCapability({
  name: 'text-to-music',
  endpoint: 'tm_text2music',
  summary: 'Music from a text description',
  description: 'Generates 1-4 music tracks from a description of theme, mood and instruments. Output: audio tracks.',
  input: Input,
  upstream: Upstream,
  toUpstream: (i) => ({
    prompt: i.prompt,
    duration: i.duration,
    qty: i.count,
    ...(i.disableTranslate !== undefined ? { disable_translate: i.disableTranslate } : {})
  }),
  media: {},
  outputs: [{ key: 'audio_path', type: 'audio' }],
  typicalSeconds: { min: 30, max: 120 },
  example
})
