import { z } from 'zod'
import { defineCapability, MediaUrlSchema, promptSchema } from '../../tasks/capabilities/types.ts'
import type { ProviderCapability } from '../tencent/capability.ts'
import { createPath, MODELS, type MediaLimits, type ModelKind, type ModelSpec } from './models.ts'
import { upstreamDataSchema } from './wire.ts'

export const MEDIAIO_PROVIDER_ID = 'mediaio'

/** A capability plus what `GET /v1/capabilities` shows about the model behind it. */
export type MediaioCapability = ProviderCapability & {
  model: { code: string, name: string, family: string, kind: ModelKind }
}

// Extensions a URL path may end with that name a media type; others (or none) are not judged.
const KNOWN_EXTENSIONS = new Set(['png', 'jpg', 'jpeg', 'webp', 'bmp', 'gif', 'heic', 'heif', 'avif', 'tif', 'tiff', 'mp4', 'mov', 'webm', 'mkv', 'avi'])
const TYPICAL: Record<ModelKind, { min: number, max: number }> = {
  'text-to-image': { min: 10, max: 60 },
  'image-to-image': { min: 10, max: 60 },
  'image-to-video': { min: 60, max: 300 },
  'text-to-video': { min: 60, max: 300 }
}
const EXAMPLE_PROMPTS: Record<ModelKind, string> = {
  'text-to-image': 'A lighthouse on a basalt cliff at dusk, photorealistic, soft rim light',
  'image-to-image': 'Keep the person and the pose, turn the background into a snowy mountain village',
  'image-to-video': 'The camera slowly pushes in while the waves roll onto the harbour wall',
  'text-to-video': 'A paper boat drifts down a rain-soaked street, neon reflections, slow tracking shot'
}

/** The URL's extension when it is a media one and not allowed here; undefined otherwise. */
function wrongExtension (url: string, formats: readonly string[]): string | undefined {
  if (!URL.canParse(url)) return undefined
  const ext = /\.([a-z0-9]+)$/i.exec(new URL(url).pathname)?.[1]?.toLowerCase()
  return ext !== undefined && KNOWN_EXTENSIONS.has(ext) && !formats.includes(ext) ? ext : undefined
}

function limitsText (l: MediaLimits): string {
  const parts = [l.formats.map((f) => f.toUpperCase()).join(', '), `up to ${l.maxMb} MB`, `${l.minPx}-${l.maxPx} px per side`]
  if (l.aspect) parts.push(`aspect (width / height) ${l.aspect[0]}-${l.aspect[1]}`)
  if (l.fps) parts.push(`${l.fps[0]}-${l.fps[1]} fps`)
  if (l.seconds) parts.push(`${l.seconds[0]}-${l.seconds[1]} s long`)
  return parts.join('; ')
}

const mediaField = (l: MediaLimits, what: string) => MediaUrlSchema
  .superRefine((url, ctx) => {
    const ext = wrongExtension(url, l.formats)
    if (ext) ctx.addIssue({ code: 'custom', message: `.${ext} is not accepted here; use ${l.formats.join(', ')}` })
  })
  .describe(`${what}: ${limitsText(l)}`)

const pascal = (code: string) => code.split('-').map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('')
const lower = (values: readonly string[]) => values.map((v) => v.toLowerCase()) as [string, ...string[]]
const enumOf = (values: readonly string[]) => z.enum(values as [string, ...string[]])

/** The public, camelCase body of one model. */
function inputSchema (m: ModelSpec) {
  const prompt = promptSchema(m.prompt.max).describe('What to generate')
  const shape: Record<string, z.ZodType> = { prompt: m.prompt.required ? prompt : prompt.optional() }
  if (m.images) shape.imageUrls = z.array(mediaField(m.images, 'Reference image')).min(1).max(m.images.maxCount).describe(`1-${m.images.maxCount} reference images`)
  if (m.video) shape.videoUrl = mediaField(m.video, 'Clip whose motion is copied')
  if (m.image) shape.imageUrl = mediaField(m.image, m.video ? 'Character to animate' : 'First frame')
  if (m.ratio) shape.aspectRatio = enumOf(m.ratio.values).default(m.ratio.default).describe('Aspect ratio of the output')
  if (m.resolution) shape.resolution = z.enum(lower(m.resolution.values)).default(m.resolution.default.toLowerCase()).describe('Output resolution')
  if (m.duration) shape.duration = z.literal(m.duration.values as number[]).default(m.duration.default).describe('Video length in seconds')
  if (m.counts) shape.count = z.int().min(1).max(m.counts.max).default(m.counts.default).describe('Number of images')
  if (m.shotType) shape.shotType = z.enum(['multi', 'single']).default(m.shotType.default === 'Multi' ? 'multi' : 'single').describe('multi: several cuts; single: one continuous shot')
  if (m.multiShots) shape.multiShots = z.boolean().default(m.multiShots.default).describe('Let the model cut between shots')
  if (m.generateAudio) shape.generateAudio = z.boolean().default(m.generateAudio.default).describe('Generate a soundtrack with the video')
  const only = m.resolutionOnlyAt
  return z.strictObject(shape).superRefine((i, ctx) => {
    for (const [resolution, durations] of Object.entries(only ?? {})) {
      if (i.resolution === resolution.toLowerCase() && !durations.includes(i.duration as number)) {
        ctx.addIssue({ code: 'custom', path: ['resolution'], message: `${resolution.toLowerCase()} needs duration ${durations.join(' or ')}` })
      }
    }
  }).meta({ id: `Mediaio${pascal(m.code)}`, examples: [exampleOf(m)] })
}

function exampleOf (m: ModelSpec): Record<string, unknown> {
  return {
    prompt: EXAMPLE_PROMPTS[m.kind],
    ...(m.images ? { imageUrls: ['https://example.com/refs/portrait.png'] } : {}),
    ...(m.video ? { videoUrl: 'https://example.com/refs/dance.mp4' } : {}),
    ...(m.image ? { imageUrl: 'https://example.com/refs/harbour.png' } : {}),
    ...(m.ratio ? { aspectRatio: m.ratio.default } : {}),
    ...(m.duration ? { duration: m.duration.default } : {})
  }
}

const flag = (b: unknown) => (b ? 'True' : 'False')

/** The public body in Media.io's spelling: the documented field names, every value a string. */
export function toUpstreamData (m: ModelSpec, i: Record<string, unknown>): Record<string, string | string[]> {
  const data: Record<string, string | string[]> = {}
  if (typeof i.prompt === 'string') data.prompt = i.prompt
  if (m.images) data.images = i.imageUrls as string[]
  if (m.video) data.video = i.videoUrl as string
  if (m.image) data.image = i.imageUrl as string
  if (m.ratio) data[m.ratio.field] = i.aspectRatio as string
  // The public body uses lower case; the document's values are upper case ("720P", "1K").
  if (m.resolution) data.resolution = m.resolution.values.find((v) => v.toLowerCase() === i.resolution) ?? String(i.resolution)
  if (m.duration) data.duration = `${i.duration as number}s`
  if (m.counts) data.counts = String(i.count)
  if (m.shotType) data.shot_type = i.shotType === 'single' ? 'Single' : 'Multi'
  if (m.multiShots) data.multi_shots = flag(i.multiShots)
  if (m.generateAudio) data.generate_audio = flag(i.generateAudio)
  return data
}

const KIND_TEXT: Record<ModelKind, string> = {
  'text-to-image': 'Images from a text prompt',
  'image-to-image': 'New images from reference images and a prompt',
  'image-to-video': 'A video that starts from a picture',
  'text-to-video': 'A video from a text prompt'
}

function capabilityOf (m: ModelSpec): MediaioCapability {
  const video = m.kind.endsWith('video')
  const summary = m.video ? `A picture animated with the motion of a clip (${m.name}, Media.io)` : `${KIND_TEXT[m.kind]} (${m.name}, Media.io)`
  const media: Record<string, 'image' | 'video'> = {}
  if (m.images) media.imageUrls = 'image'
  if (m.image) media.imageUrl = 'image'
  if (m.video) media.videoUrl = 'video'
  return {
    ...defineCapability({
      name: `mediaio-${m.code}`,
      // The path under the Media.io base URL, where ToMoviee's definitions hold a path segment.
      endpoint: createPath(m),
      summary,
      description: `${summary}. Model ${m.name} (family ${m.family}). Output: ${video ? 'a video' : m.counts ? `1-${m.counts.max} images` : 'an image'}.`,
      input: inputSchema(m),
      upstream: upstreamDataSchema(m),
      toUpstream: (i) => toUpstreamData(m, i),
      media,
      // Media.io's result layout is not documented; the provider reads it (see results.ts).
      outputs: [{ key: 'result', type: video ? 'video' : 'image' }],
      typicalSeconds: TYPICAL[m.kind],
      example: exampleOf(m)
    }),
    provider: MEDIAIO_PROVIDER_ID,
    model: { code: m.code, name: m.name, family: m.family, kind: m.kind }
  }
}

/** Every Media.io generation model as a capability, in the document's order. */
export const MEDIAIO_CAPABILITIES: readonly MediaioCapability[] = MODELS.map(capabilityOf)

export const modelOfCapability = (name: string): ModelSpec | undefined => MODELS.find((m) => `mediaio-${m.code}` === name)
