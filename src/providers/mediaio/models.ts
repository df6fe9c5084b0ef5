/**
 * Media.io's generation models as data (seed 002, the mediaio-aigc-generate definitions): one
 * entry per endpoint. capabilities.ts turns each into a public body, an upstream body and a
 * capability; the simulator validates against the same upstream bodies. Limits the BFF cannot
 * check without fetching the file (bytes, pixels, aspect) still live here, for the field
 * descriptions and the README.
 */

export type ModelKind = 'text-to-image' | 'image-to-image' | 'image-to-video' | 'text-to-video'

/** What an input picture or clip must be. Aspect is width / height. */
export interface MediaLimits {
  formats: readonly string[]
  maxMb: number
  minPx: number
  maxPx: number
  aspect?: readonly [min: number, max: number]
  fps?: readonly [min: number, max: number]
  seconds?: readonly [min: number, max: number]
}

/** The upstream name of the aspect-ratio field differs between models. */
export type RatioField = 'ratio' | 'aspect_ratio' | 'size'

export interface ModelSpec {
  code: string
  name: string
  /** Path segment before the model code: /generation/<family>/<code>. */
  family: string
  kind: ModelKind
  prompt: { max: number, required: boolean }
  /** image-to-image: an array of pictures. */
  images?: MediaLimits & { maxCount: number }
  /** image-to-video: one picture. */
  image?: MediaLimits
  /** Motion control: the clip whose motion is copied. */
  video?: MediaLimits
  ratio?: { field: RatioField, values: readonly string[], default: string }
  /** As the document spells them ("720P", "1K"). */
  resolution?: { values: readonly string[], default: string }
  /** Seconds. */
  duration?: { values: readonly number[], default: number }
  /** Images per task. */
  counts?: { max: number, default: number }
  shotType?: { default: 'Multi' | 'Single' }
  generateAudio?: { default: boolean }
  multiShots?: { default: boolean }
  /** Resolutions allowed only at some durations. */
  resolutionOnlyAt?: Readonly<Record<string, readonly number[]>>
}

const SHAPES = ['9:16', '16:9', '1:1', '4:3', '3:4'] as const
const MB = { w: 10, h: 20, v: 10, g: 50 }
const IMG_I2I = { formats: ['png', 'jpeg', 'jpg'], minPx: 300, maxPx: 1280, maxCount: 9 } as const
// The image-limit classes of the image-to-video table.
const W: MediaLimits = { formats: ['png', 'jpeg', 'jpg', 'webp', 'bmp'], maxMb: MB.w, minPx: 300, maxPx: 2000, aspect: [0.4, 2.5] }
const H: MediaLimits = { formats: ['png', 'jpeg', 'jpg', 'webp', 'gif', 'heic'], maxMb: MB.h, minPx: 300, maxPx: 4000, aspect: [0.4, 2.5] }
const V3: MediaLimits = { formats: ['png', 'jpeg', 'jpg'], maxMb: MB.v, minPx: 150, maxPx: 4000, aspect: [0.25, 4] }
const V2: MediaLimits = { ...V3, formats: ['png', 'jpeg', 'jpg', 'webp', 'gif', 'heic'] }
const G: MediaLimits = { formats: ['jpg', 'jpeg', 'png', 'webp', 'gif', 'heic'], maxMb: MB.g, minPx: 300, maxPx: 4000, aspect: [0.4, 2] }

const res = (values: readonly string[], def: string) => ({ values, default: def })
const dur = (values: readonly number[], def: number) => ({ values, default: def })
const audio = { generateAudio: { default: true } } as const

const i2v = (code: string, name: string, family: string, image: MediaLimits, promptMax: number, rest: Partial<ModelSpec>): ModelSpec =>
  ({ code, name, family, kind: 'image-to-video', prompt: { max: promptMax, required: true }, image, ...rest })

const veo = (code: string, name: string): ModelSpec => i2v(code, name, 'veo', G, 1000, {
  ratio: { field: 'aspect_ratio', values: ['9:16', '16:9'], default: '9:16' },
  resolution: res(['720P', '1080P'], '720P'),
  duration: dur([4, 6, 8], 4),
  ...audio
})

export const MODELS: readonly ModelSpec[] = [
  { code: 't2i-imagen-4', name: 'Imagen 4', family: 'imagen', kind: 'text-to-image', prompt: { max: 1200, required: true }, ratio: { field: 'ratio', values: SHAPES, default: '9:16' }, counts: { max: 4, default: 1 } },
  { code: 't2i-soul-character', name: 'soul_character', family: 'soul', kind: 'text-to-image', prompt: { max: 2000, required: true }, ratio: { field: 'ratio', values: ['2:3', '1:1', '3:2', '9:16', '16:9'], default: '16:9' } },

  { code: 'i2i-banana', name: 'Nano Banana', family: 'banana', kind: 'image-to-image', prompt: { max: 1200, required: true }, images: { ...IMG_I2I, maxMb: 20, aspect: [0.5, 2] }, ratio: { field: 'ratio', values: [...SHAPES, '3:2', '2:3', '21:9'], default: '16:9' } },
  { code: 'i2i-seedream-v4-0', name: 'Seedream 4.0', family: 'seedream', kind: 'image-to-image', prompt: { max: 800, required: true }, images: { ...IMG_I2I, maxMb: 10, aspect: [0.3, 3] }, ratio: { field: 'ratio', values: [...SHAPES, '3:2', '2:3'], default: '9:16' } },
  { code: 'i2i-banana-2', name: 'Nano Banana Pro', family: 'banana', kind: 'image-to-image', prompt: { max: 1200, required: true }, images: { ...IMG_I2I, maxMb: 20, aspect: [0.5, 2] }, ratio: { field: 'ratio', values: [...SHAPES, '3:2', '2:3', '21:9'], default: '16:9' }, resolution: res(['1K', '2K', '4K'], '1K') },

  i2v('i2v-wan-v2-6', 'Wan 2.6', 'wan', W, 1500, { resolution: res(['720P', '1080P'], '720P'), duration: dur([5, 10, 15], 5), shotType: { default: 'Multi' }, ...audio }),
  i2v('i2v-wan-v2-2', 'Wan 2.2', 'wan', W, 800, { resolution: res(['1080P'], '1080P'), duration: dur([5], 5) }),
  i2v('i2v-wan-v2-5', 'Wan 2.5', 'wan', W, 800, { resolution: res(['480P', '720P', '1080P'], '480P'), duration: dur([5, 10], 5) }),
  i2v('i2v-minimax-02', 'Hailuo 02', 'minimax', H, 2000, { resolution: res(['768P', '1080P'], '768P'), duration: dur([6], 6) }),
  i2v('i2v-minimax-v2-3', 'Hailuo 2.3', 'minimax', H, 2000, { resolution: res(['768P', '1080P'], '768P'), duration: dur([6, 10], 6), resolutionOnlyAt: { '1080P': [6] } }),
  i2v('i2v-kling-v2-1', 'Kling 2.1', 'kling', H, 2000, { resolution: res(['720P', '1080P'], '720P'), duration: dur([5, 10], 5) }),
  i2v('i2v-kling-v2-5-turbo', 'Kling 2.5 Turbo', 'kling', H, 2500, { resolution: res(['720P', '1080P'], '1080P'), duration: dur([5, 10], 5) }),
  i2v('i2v-kling-v2-6', 'Kling 2.6', 'kling', H, 2500, { duration: dur([5, 10], 5), ...audio }),
  i2v('i2v-kling-v3-0', 'Kling 3.0', 'kling', H, 2500, { resolution: res(['720P', '1080P'], '1080P'), duration: dur([5, 8, 10, 15], 5), multiShots: { default: true }, ...audio }),
  i2v('i2v-vidu-q3', 'Vidu Q3', 'vidu', V3, 2000, { resolution: res(['540P', '720P', '1080P'], '720P'), duration: dur([4, 8, 12, 16], 4), ...audio }),
  i2v('i2v-vidu-q2', 'Vidu Q2', 'vidu', V2, 2000, { resolution: res(['720P', '1080P'], '720P'), duration: dur([4, 6, 8], 4) }),
  veo('i2v-veo-v3-1', 'Google Veo 3.1'),
  veo('i2v-veo-v3-1-fast', 'Google Veo 3.1 Fast'),
  {
    code: 'i2v-motion-control-kling-v2-6',
    name: 'Motion Control Kling 2.6',
    family: 'kling',
    kind: 'image-to-video',
    prompt: { max: 2500, required: false },
    video: { formats: ['mp4', 'mov'], maxMb: 100, minPx: 720, maxPx: 2160, fps: [24, 60], seconds: [3, 30] },
    image: { formats: ['png', 'jpeg', 'jpg'], maxMb: 10, minPx: 300, maxPx: 4000, aspect: [0.5, 2] }
  },

  { code: 't2v-wan-v2-6', name: 'Wan 2.6 (Text To Video)', family: 'wan', kind: 'text-to-video', prompt: { max: 1500, required: true }, ratio: { field: 'size', values: SHAPES, default: '16:9' }, duration: dur([5, 10, 15], 5), shotType: { default: 'Multi' }, ...audio },
  { code: 't2v-vidu-q3', name: 'Vidu Q3 (Text To Video)', family: 'vidu', kind: 'text-to-video', prompt: { max: 2000, required: true }, ratio: { field: 'ratio', values: SHAPES, default: '16:9' }, resolution: res(['540P', '720P', '1080P'], '720P'), duration: dur([4, 8, 12, 16], 8), ...audio },
  { code: 't2v-wan-v2-5', name: 'Wan 2.5 (Text To Video)', family: 'wan', kind: 'text-to-video', prompt: { max: 800, required: true }, ratio: { field: 'ratio', values: ['16:9', '9:16', '1:1', '4:3', '3:4'], default: '16:9' }, duration: dur([5, 10], 5) }
]

/** Upstream path of a model's create call. */
export const createPath = (m: Pick<ModelSpec, 'family' | 'code'>) => `/generation/${m.family}/${m.code}`
export const RESULT_PATH_PREFIX = '/generation/result/'
export const CREDITS_PATH = '/user/credits'
