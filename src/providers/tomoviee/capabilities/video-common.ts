import { z } from 'zod'
import { promptSchema } from '../../../tasks/capabilities/types.ts'

/**
 * ToMoviee's 46 camera moves in index order (1-46), as slugs. The table names index 28 and 39
 * both "full shot"; the second becomes `full-shot-2` so every slug maps to exactly one index.
 */
export const CAMERA_MOVES = [
  'orbit', 'spin', 'pan-left', 'pan-right', 'tilt-up', 'tilt-down', 'push-in', 'pull-out', 'static', 'tracking',
  'others', 'object-pov', 'super-dolly-in', 'super-dolly-out', 'snorricam', 'head-tracking', 'car-grip',
  'screen-transition', 'car-chasing', 'fisheye', 'fpv-drone', 'crane-over-the-head', 'timelapse-landscape',
  'dolly-in', 'dolly-out', 'zoom-in', 'zoom-out', 'full-shot', 'close-up-shot', 'extreme-close-up', 'macro-shot',
  'birds-eye-view', 'rule-of-thirds', 'symmetrical-composition', 'handheld', 'fpv-shot', 'jib-up', 'jib-down',
  'full-shot-2', 'time-lapse-shot', 'aerial-shot', 'low-angle-shot', 'eye-level-shot', 'diagonal-composition',
  'over-shoulder-shot', 'crane-down'
] as const

export const cameraMoveIndex = (slug: (typeof CAMERA_MOVES)[number]): number => CAMERA_MOVES.indexOf(slug) + 1

export const RESOLUTIONS = ['720p', '1080p'] as const
export const ASPECT_RATIOS = ['16:9', '9:16', '4:3', '3:4', '1:1'] as const

/** Public fields shared by the video capabilities (duration is fixed at 5 s upstream, so it is not asked). */
export const publicVideoFields = {
  resolution: z.enum(RESOLUTIONS).default('720p').describe('720p is faster, 1080p sharper'),
  cameraMove: z.enum(CAMERA_MOVES).optional().describe('Camera movement; omit for an automatic choice')
}

export const videoPrompt = promptSchema(2000)

/** Upstream fields shared by the video endpoints, in upstream names and limits. */
export const upstreamVideoFields = {
  prompt: z.string().min(1),
  resolution: z.enum(RESOLUTIONS).optional(),
  duration: z.literal(5).optional(),
  camera_move_index: z.int().min(1).max(CAMERA_MOVES.length).optional()
}

interface UpstreamVideoFields { prompt: string, resolution: (typeof RESOLUTIONS)[number], duration: 5, camera_move_index?: number }

export function toUpstreamVideo (i: { prompt: string, resolution: (typeof RESOLUTIONS)[number], cameraMove?: (typeof CAMERA_MOVES)[number] | undefined }): UpstreamVideoFields {
  return {
    prompt: i.prompt,
    resolution: i.resolution,
    duration: 5 as const,
    ...(i.cameraMove ? { camera_move_index: cameraMoveIndex(i.cameraMove) } : {})
  }
}
