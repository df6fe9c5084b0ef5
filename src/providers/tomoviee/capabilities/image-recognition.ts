import { z } from 'zod'
import { defineCapability, MediaUrlSchema, promptSchema } from '../../../tasks/capabilities/types.ts'

const example = { imageUrl: 'https://example.com/photos/living-room.png', prompt: 'sofa', mode: 'subject' } as const

const MODES = ['edge', 'pose', 'subject', 'depth'] as const

const Input = z.strictObject({
  imageUrl: MediaUrlSchema.describe('The image to analyse (JPG, JPEG, PNG or WEBP, under 200 MB)'),
  prompt: promptSchema(500).optional().describe('The objects or regions to find, e.g. "people" or "sky and clouds"'),
  mode: z.enum(MODES).default('subject').describe('What the mask traces')
}).meta({ id: 'ImageRecognition', examples: [example] })

const Upstream = z.object({
  image: z.url(),
  control_type: z.enum(['0', '1', '2', '3']).optional(),
  prompt: z.string().min(1).optional()
})

export const imageRecognition = defineCapability({
  name: 'image-recognition',
  endpoint: 'tm_reference_img2mask',
  summary: 'Masks of the objects in an image',
  description: 'Finds objects or regions in an image and returns black-and-white masks (white = found), ready for image-redraw. Output: masks.',
  input: Input,
  upstream: Upstream,
  toUpstream: (i) => ({
    image: i.imageUrl,
    control_type: String(MODES.indexOf(i.mode)) as '0' | '1' | '2' | '3',
    ...(i.prompt ? { prompt: i.prompt } : {})
  }),
  media: { imageUrl: 'image' },
  outputs: [{ key: 'mask_path', type: 'mask' }],
  typicalSeconds: { min: 30, max: 120 },
  example
})
