import { z } from 'zod'
import { defineCapability, MediaUrlSchema } from '../../../tasks/capabilities/types.ts'
import { ASPECT_RATIOS, publicVideoFields, toUpstreamVideo, upstreamVideoFields, videoPrompt } from './video-common.ts'

const example = {
  firstFrameUrl: 'https://example.com/frames/bud.jpg',
  lastFrameUrl: 'https://example.com/frames/bloom.jpg',
  prompt: 'The flower bud slowly opens into full bloom',
  aspectRatio: 'original'
} as const

const Input = z.strictObject({
  firstFrameUrl: MediaUrlSchema.describe('First frame (JPG, JPEG, PNG or WEBP, under 200 MB; 720p or more recommended)'),
  lastFrameUrl: MediaUrlSchema.describe('Last frame, same constraints'),
  prompt: videoPrompt.describe('The motion that leads from the first frame to the last'),
  ...publicVideoFields,
  aspectRatio: z.enum([...ASPECT_RATIOS, 'original']).default('original').describe('"original" keeps the frames\' ratio')
}).meta({ id: 'FramesToVideo', examples: [example] })

const Upstream = z.object({
  ...upstreamVideoFields,
  image: z.url(),
  image_tail: z.url(),
  aspect_ratio: z.enum([...ASPECT_RATIOS, 'original']).optional()
})

export const framesToVideo = defineCapability({
  name: 'frames-to-video',
  endpoint: 'tm_tail2video_b',
  summary: 'A 5-second video between a first and a last frame',
  description: 'Interpolates a 5-second clip that starts at one image and ends at another. Output: one video.',
  input: Input,
  upstream: Upstream,
  toUpstream: (i) => ({ ...toUpstreamVideo(i), image: i.firstFrameUrl, image_tail: i.lastFrameUrl, aspect_ratio: i.aspectRatio }),
  media: { firstFrameUrl: 'image', lastFrameUrl: 'image' },
  outputs: [{ key: 'video_path', type: 'video' }],
  typicalSeconds: { min: 60, max: 300 },
  example
})
