import { z } from 'zod'
import { defineCapability, MediaUrlSchema, promptSchema } from '../../../tasks/capabilities/types.ts'

const example = { imageUrl: 'https://example.com/photos/living-room.png', maskUrl: 'https://example.com/masks/sofa.png', prompt: 'A green velvet sofa with two mustard cushions' } as const

const Input = z.strictObject({
  imageUrl: MediaUrlSchema.describe('The image to change (JPG or PNG; each side over 512 and under 2048 px; aspect ratio under 3)'),
  maskUrl: MediaUrlSchema.optional().describe('Same size as the image: white = redraw, black = keep (e.g. from image-recognition)'),
  prompt: promptSchema(2000).describe('What should fill the masked area (not what to remove)')
}).meta({ id: 'ImageRedraw', examples: [example] })

// The skill document names the fields init_image/mask_url, the image reference image/mask; both
// spellings are sent, and either is enough here.
const Upstream = z.object({
  prompt: z.string().min(1),
  init_image: z.url().optional(),
  image: z.url().optional(),
  mask_url: z.url().optional(),
  mask: z.url().optional()
}).refine((b) => b.init_image !== undefined || b.image !== undefined, { message: 'init_image or image is required', path: ['init_image'] })

export const imageRedraw = defineCapability({
  name: 'image-redraw',
  endpoint: 'tm_redrawing',
  summary: 'Redraw the masked part of an image',
  description: 'Regenerates the region of an image selected by a mask (inpainting). Output: images.',
  input: Input,
  upstream: Upstream,
  toUpstream: (i) => ({
    prompt: i.prompt,
    init_image: i.imageUrl,
    image: i.imageUrl,
    ...(i.maskUrl ? { mask_url: i.maskUrl, mask: i.maskUrl } : {})
  }),
  media: { imageUrl: 'image', maskUrl: 'image' },
  outputs: [{ key: 'images_path', type: 'image', aliases: ['image_path'] }],
  typicalSeconds: { min: 30, max: 120 },
  example
})
