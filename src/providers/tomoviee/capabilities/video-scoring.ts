import { z } from 'zod'
import { defineCapability, MediaUrlSchema } from '../../../tasks/capabilities/types.ts'

const example = { videoUrl: 'https://example.com/clips/skate.mp4', prompt: 'Upbeat acoustic guitar, sunny and light', duration: 30 }

const Input = z.strictObject({
  videoUrl: MediaUrlSchema.describe('Publicly reachable video (MP4, MOV, AVI, M4V, MKV, TS, FLV, MPG; up to 120 MB and 95 s)'),
  prompt: z.string().trim().min(1).max(1000).describe('Style and mood of the music, e.g. "upbeat acoustic guitar"; under 77 tokens works best'),
  duration: z.int().min(5).max(900).optional().describe('Length of the generated music in seconds (upstream default 20)')
}).meta({ id: 'VideoScoring', examples: [example] })

// The official page names the video `file_link`; the skill document calls it `video` and adds
// `duration`. Both spellings are sent so either reading of the gateway accepts the body.
const Upstream = z.object({
  file_link: z.url().optional(),
  video: z.url().optional(),
  prompt: z.string().min(1).optional(),
  duration: z.int().min(5).max(900).optional()
}).refine((b) => b.file_link !== undefined || b.video !== undefined, { message: 'file_link or video is required', path: ['file_link'] })

export const videoScoring = defineCapability({
  name: 'video-scoring',
  endpoint: 'tm_video_scoring',
  summary: 'Background music for a video',
  description: 'Analyses a video and generates background music that fits it ("Auto BGM"). Output: one audio track.',
  input: Input,
  upstream: Upstream,
  toUpstream: (i) => ({
    file_link: i.videoUrl,
    video: i.videoUrl,
    prompt: i.prompt,
    ...(i.duration !== undefined ? { duration: i.duration } : {})
  }),
  media: { videoUrl: 'video' },
  outputs: [{ key: 'audio_path', type: 'audio' }],
  typicalSeconds: { min: 60, max: 180 },
  example
})
