/**
 * A tiny H.264 encoder and MP4 muxer, so the simulator can serve video that browsers really play
 * without ffmpeg. Every coded macroblock is I_PCM (raw samples: no transform, prediction or residual
 * coding), which keeps the encoder to a bit writer. Size stays small because only the IDR frame at
 * the start of each second is fully coded; the P frames between them code just the macroblocks that
 * changed (a moving ball) and skip the rest.
 */
import { encodeH264 } from './video/h264.ts'
import { muxMp4 } from './video/mp4.ts'

export { H264_PROFILE_IDC } from './video/h264.ts'

export interface Mp4Options {
  /** Length, clamped to 1..maxSeconds. */
  seconds: number
  /** Upper bound of the length, at most 30. Default 10, which keeps most files small. */
  maxSeconds?: number
  /** Varies colours and motion; the same seed gives the same bytes. */
  seed?: number
  /** Rounded to a multiple of 16 within 16..640. Default 160. */
  width?: number
  /** Rounded to a multiple of 16 within 16..480. Default 96. */
  height?: number
  /** Frames per second, 1..30. Default 10. */
  fps?: number
}

export const MP4_DEFAULTS = { width: 160, height: 96, fps: 10 }

/** A fully encoded MP4: an H.264 track whose first frame of every second is a keyframe. */
export function generateMp4 (opts: Mp4Options): Buffer {
  const max = clampInt(opts.maxSeconds ?? 10, 1, 30)
  const seconds = Number.isFinite(opts.seconds) ? Math.min(max, Math.max(1, opts.seconds)) : 1
  const fps = clampInt(opts.fps ?? MP4_DEFAULTS.fps, 1, 30)
  const width = clampInt((opts.width ?? MP4_DEFAULTS.width) / 16, 1, 40) * 16
  const height = clampInt((opts.height ?? MP4_DEFAULTS.height) / 16, 1, 30) * 16
  const frames = Math.max(1, Math.round(seconds * fps))
  const stream = encodeH264({ width, height, fps, frames, seed: opts.seed ?? 0 })
  return muxMp4({ ...stream, width, height, fps })
}

function clampInt (value: number, min: number, max: number): number {
  return Number.isFinite(value) ? Math.min(max, Math.max(min, Math.round(value))) : min
}
