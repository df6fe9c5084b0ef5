import { z } from 'zod'
import { defineCapability, MediaUrlSchema } from '../../../tasks/capabilities/types.ts'
import { ASPECT_RATIOS, publicVideoFields, toUpstreamVideo, upstreamVideoFields, videoPrompt } from './video-common.ts'

const example = { imageUrl: 'https://example.com/stills/lighthouse.jpg', prompt: 'Waves crash against the rocks, the camera slowly pushes in', aspectRatio: 'original' } as const

const Input = z.strictObject({
  imageUrl: MediaUrlSchema.describe('The still image to animate (JPG, JPEG, PNG or WEBP, under 200 MB)'),
  prompt: videoPrompt.describe('Subject + motion + camera; the image supplies scene and lighting'),
  ...publicVideoFields,
  aspectRatio: z.enum([...ASPECT_RATIOS, 'original']).default('original').describe('"original" keeps the image\'s ratio')
}).meta({ id: 'ImageToVideo', examples: [example] })

const Upstream = z.object({
  ...upstreamVideoFields,
  image: z.url(),
  aspect_ratio: z.enum([...ASPECT_RATIOS, 'original']).optional()
})

export const imageToVideo = defineCapability({
  name: 'image-to-video',
  endpoint: 'tm_img2video_b',
  summary: 'A 5-second video from a still image',
  description: 'Animates a still image into a 5-second clip guided by a prompt. Output: one video.',
  input: Input,
  upstream: Upstream,
  toUpstream: (i) => ({ ...toUpstreamVideo(i), image: i.imageUrl, aspect_ratio: i.aspectRatio }),
  media: { imageUrl: 'image' },
  outputs: [{ key: 'video_path', type: 'video' }],
  typicalSeconds: { min: 60, max: 300 },
  example
})
