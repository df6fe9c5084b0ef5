import { z } from 'zod'
import { defineCapability, MediaUrlSchema, type CapabilityDefinition } from '../../tasks/capabilities/types.ts'
import { ImageBgmGenerationSchema, MULTITRACK_ONLY_EMOTIONS, OUTPUT_TYPE, SONG_EMOTION, SONG_GENRE, SONG_TYPE } from './wire.ts'

export const TENCENT_PROVIDER_ID = 'tencent'

/** The shared definition plus the provider it belongs to, until the shared type gains the field. */
export type ProviderCapability<In extends z.ZodObject = z.ZodObject, Up extends z.ZodType<Record<string, unknown>> = z.ZodType<Record<string, unknown>>> =
  CapabilityDefinition<In, Up> & { provider: string }

const EMOTIONS = ['happy', 'sad', 'romantic', 'quiet', 'lazy', 'exciting', 'magnificent', 'funny', 'fear', 'warm', 'angry'] as const
const GENRES = ['pop', 'classical', 'china', 'soft', 'jazz'] as const
const SONG_TYPES = { 'large-model': SONG_TYPE.LARGE_MODEL, multitrack: SONG_TYPE.MULTITRACK } as const
const IMAGE_PATH = /\.(png|jpe?g|webp)$/i

// zod runs this refinement even when the URL check failed, so it must not assume a URL.
const isImagePath = (u: string) => URL.canParse(u) && IMAGE_PATH.test(new URL(u).pathname)

const upper = <T extends string>(s: T) => s.toUpperCase() as Uppercase<T>

const example = { imageUrl: 'https://example.com/photos/beach-sunset.jpg', songCount: 2, format: 'mp3', emotion: 'romantic', genre: 'soft' } as const

const Input = z.strictObject({
  imageUrl: MediaUrlSchema.refine(isImagePath, 'must name a png, jpg, jpeg or webp file')
    .describe('Picture the music is composed for (png, jpg, jpeg or webp)'),
  songCount: z.int().min(1).max(100).default(1).describe('Number of songs to compose'),
  format: z.enum(['mp3', 'mp4']).default('mp3').describe('mp3: audio files; mp4: video files'),
  modelType: z.enum(['large-model', 'multitrack']).default('large-model')
    .describe('large-model takes an emotion and a genre; multitrack takes an emotion (warm and angry only here) and no genre'),
  emotion: z.enum(EMOTIONS).optional().describe('Mood of the music; warm and angry need modelType multitrack'),
  genre: z.enum(GENRES).optional().describe('Style of the music; not with modelType multitrack')
}).superRefine((i, ctx) => {
  if (i.emotion !== undefined && MULTITRACK_ONLY_EMOTIONS.includes(SONG_EMOTION[upper(i.emotion)]) && i.modelType !== 'multitrack') {
    ctx.addIssue({ code: 'custom', path: ['emotion'], message: `${i.emotion} needs modelType multitrack` })
  }
  if (i.genre !== undefined && i.modelType === 'multitrack') {
    ctx.addIssue({ code: 'custom', path: ['genre'], message: 'modelType multitrack takes no genre' })
  }
}).meta({ id: 'TencentImageToMusic', examples: [example] })

const Upstream = z.object({ url: z.string(), imageBgmGeneration: ImageBgmGenerationSchema })

export const tencentImageToMusic: ProviderCapability<typeof Input, typeof Upstream> = {
  ...defineCapability({
    name: 'tencent-image-to-music',
    // Tencent has one endpoint; the action stands where ToMoviee's path segment does.
    endpoint: 'CreateJob',
    summary: 'Music composed for a picture (Tencent)',
    description: 'Composes 1-100 songs that fit an image, as mp3 audio or mp4 video, optionally with a mood and a genre. Output: audio tracks (or videos with format mp4).',
    input: Input,
    upstream: Upstream,
    toUpstream: (i) => ({
      url: i.imageUrl,
      imageBgmGeneration: {
        songQuantity: i.songCount,
        outputType: OUTPUT_TYPE[upper(i.format)],
        type: SONG_TYPES[i.modelType],
        ...(i.emotion !== undefined ? { emotion: SONG_EMOTION[upper(i.emotion)] } : {}),
        ...(i.genre !== undefined ? { genre: SONG_GENRE[upper(i.genre)] } : {})
      }
    }),
    media: { imageUrl: 'image' },
    // Tencent names files, not URLs; the provider turns these keys into URLs (see status.ts).
    outputs: [{ key: 'songName', type: 'audio' }, { key: 'videoName', type: 'video' }],
    // Undocumented; the document's one finished example took 43 s.
    typicalSeconds: { min: 30, max: 120 },
    example
  }),
  provider: TENCENT_PROVIDER_ID
}
