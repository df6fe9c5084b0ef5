import { z } from 'zod'
import { defineCapability, MediaUrlSchema, promptSchema } from '../../../tasks/capabilities/types.ts'

const example = { imageUrl: 'https://example.com/refs/cottage.jpg', prompt: 'Keep the cottage and the path, turn the season to deep winter with snow', count: 2 } as const

const size = z.int().min(512).max(2048)

const Input = z.strictObject({
  imageUrl: MediaUrlSchema.describe('Reference image'),
  prompt: promptSchema(2000).describe('What to keep from the reference and what to change'),
  controlType: z.int().min(0).max(3).default(2).describe('How the reference guides the result, 0-3 (2 follows the subject)'),
  controlIntensity: z.number().min(0).max(1).default(0.5).describe('How strongly the reference guides the result'),
  width: size.default(1024).describe('Output width in pixels'),
  height: size.default(1024).describe('Output height in pixels'),
  count: z.int().min(1).max(4).default(1).describe('Number of images'),
  initImageUrl: MediaUrlSchema.optional().describe('Starting image; with controlType 2 the reference is used when omitted')
}).meta({ id: 'ImageToImage', examples: [example] })

const Upstream = z.object({
  prompt: z.string().min(1),
  reference_image: z.url(),
  control_type: z.enum(['0', '1', '2', '3']),
  control_intensity: z.number().min(0).max(1),
  width: size,
  height: size,
  batch_size: z.int().min(1).max(4),
  init_image: z.url().optional()
}).refine((b) => b.control_type !== '2' || b.init_image !== undefined, { message: 'init_image is required with control_type "2"', path: ['init_image'] })

export const imageToImage = defineCapability({
  name: 'image-to-image',
  endpoint: 'tm_reference_img2img',
  summary: 'New images from a reference image',
  description: 'Generates 1-4 images that keep the style or structure of a reference image and change what the prompt says. Output: images.',
  input: Input,
  upstream: Upstream,
  toUpstream: (i) => {
    const initImage = i.initImageUrl ?? (i.controlType === 2 ? i.imageUrl : undefined)
    return {
      prompt: i.prompt,
      reference_image: i.imageUrl,
      control_type: String(i.controlType) as '0' | '1' | '2' | '3',
      control_intensity: i.controlIntensity,
      width: i.width,
      height: i.height,
      batch_size: i.count,
      ...(initImage ? { init_image: initImage } : {})
    }
  },
  media: { imageUrl: 'image', initImageUrl: 'image' },
  outputs: [{ key: 'images_path', type: 'image', aliases: ['image_path'] }],
  typicalSeconds: { min: 30, max: 120 },
  example
})
