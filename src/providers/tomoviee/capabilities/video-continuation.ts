import { z } from 'zod'
import { defineCapability, MediaUrlSchema } from '../../../tasks/capabilities/types.ts'
import { ASPECT_RATIOS, publicVideoFields, toUpstreamVideo, upstreamVideoFields, videoPrompt } from './video-common.ts'

const example = { videoUrl: 'https://example.com/clips/fox-5s.mp4', prompt: 'The fox stops, looks back at the camera, then runs into the trees', aspectRatio: '16:9' } as const

const Input = z.strictObject({
  videoUrl: MediaUrlSchema.describe('The clip to extend: MP4, exactly 5 s, 720p, under 200 MB'),
  prompt: videoPrompt.describe('Continued action + scene change + camera continuation'),
  ...publicVideoFields,
  aspectRatio: z.enum(ASPECT_RATIOS).optional().describe('Upstream default when omitted')
}).meta({ id: 'VideoContinuation', examples: [example] })

const Upstream = z.object({
  ...upstreamVideoFields,
  video: z.url(),
  aspect_ratio: z.enum(ASPECT_RATIOS).optional()
})

export const videoContinuation = defineCapability({
  name: 'video-continuation',
  endpoint: 'tm_video_continuation_b',
  summary: 'Five more seconds after a clip',
  description: 'Generates the next 5 seconds of a 5-second clip; chain calls for longer videos. Output: one video.',
  input: Input,
  upstream: Upstream,
  toUpstream: (i) => ({ ...toUpstreamVideo(i), video: i.videoUrl, ...(i.aspectRatio ? { aspect_ratio: i.aspectRatio } : {}) }),
  media: { videoUrl: 'video' },
  outputs: [{ key: 'video_path', type: 'video' }],
  typicalSeconds: { min: 60, max: 300 },
  example
})
