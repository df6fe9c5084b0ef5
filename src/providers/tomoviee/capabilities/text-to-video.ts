import { z } from 'zod'
import { defineCapability } from '../../../tasks/capabilities/types.ts'
import { ASPECT_RATIOS, publicVideoFields, toUpstreamVideo, upstreamVideoFields, videoPrompt } from './video-common.ts'

const example = { prompt: 'A red fox trots through fresh snow in a pine forest at dawn, soft golden light', resolution: '720p', aspectRatio: '16:9', cameraMove: 'tracking' } as const

const Input = z.strictObject({
  prompt: videoPrompt.describe('Subject + motion + scene (+ camera, lighting, atmosphere)'),
  ...publicVideoFields,
  aspectRatio: z.enum(ASPECT_RATIOS).default('16:9')
}).meta({ id: 'TextToVideo', examples: [example] })

const Upstream = z.object({
  ...upstreamVideoFields,
  aspect_ratio: z.enum(ASPECT_RATIOS).optional()
})

export const textToVideo = defineCapability({
  name: 'text-to-video',
  endpoint: 'tm_text2video_b',
  summary: 'A 5-second video from text',
  description: 'Generates a 5-second clip from a text description. Output: one video.',
  input: Input,
  upstream: Upstream,
  toUpstream: (i) => ({ ...toUpstreamVideo(i), aspect_ratio: i.aspectRatio }),
  media: {},
  outputs: [{ key: 'video_path', type: 'video' }],
  typicalSeconds: { min: 60, max: 300 },
  example
})
