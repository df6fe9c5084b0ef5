import { crc32, deflateSync } from 'node:zlib'
import type { FileOutputType } from '../../tasks/model.ts'
import { generateSvg } from './svg.ts'
import { generateMp4 } from './video.ts'

/** File extension and media type of each output type, as the simulator names and serves them. */
export const ASSET_FORMATS: Record<FileOutputType, { ext: string, contentType: string }> = {
  audio: { ext: 'wav', contentType: 'audio/wav' },
  image: { ext: 'png', contentType: 'image/png' },
  mask: { ext: 'png', contentType: 'image/png' },
  video: { ext: 'mp4', contentType: 'video/mp4' },
  vector: { ext: 'svg', contentType: 'image/svg+xml' }
}

export const WAV_SAMPLE_RATE = 22_050
export const DEFAULT_AUDIO_SECONDS = 8

/** The length of a generated track: the request's `duration`, kept short so tests and demos stay light. */
export function audioSeconds (duration: unknown): number {
  if (typeof duration !== 'number' || !Number.isFinite(duration)) return DEFAULT_AUDIO_SECONDS
  return Math.min(30, Math.max(3, Math.round(duration)))
}

/**
 * The bytes of one asset. A seed varies the content so the outputs of one task differ from each
 * other. Video is capped at 10 seconds (see generateMp4) to keep the files small.
 */
export function renderAsset (type: FileOutputType, opts: { seconds: number, seed: number }): Buffer {
  if (type === 'audio') return generateWav({ seconds: opts.seconds, seed: opts.seed })
  if (type === 'video') return generateMp4({ seconds: opts.seconds, seed: opts.seed })
  if (type === 'vector') return generateSvg({ seed: opts.seed })
  return generatePng({ kind: type, seed: opts.seed })
}

// C major pentatonic, C4 to C5: any sequence of these sounds consonant.
const SCALE = [261.63, 293.66, 329.63, 392.0, 440.0, 523.25]
const NOTE_SECONDS = 0.3
const FADE_SECONDS = 0.5

/** A mono 16-bit PCM WAV: a plucked pentatonic melody over a soft bass, faded in and out. */
export function generateWav (opts: { seconds: number, seed?: number }): Buffer {
  const rate = WAV_SAMPLE_RATE
  const samples = Math.round(opts.seconds * rate)
  const dataBytes = samples * 2
  const buf = Buffer.alloc(44 + dataBytes)
  buf.write('RIFF', 0, 'ascii')
  buf.writeUInt32LE(36 + dataBytes, 4)
  buf.write('WAVE', 8, 'ascii')
  buf.write('fmt ', 12, 'ascii')
  buf.writeUInt32LE(16, 16) // fmt chunk size
  buf.writeUInt16LE(1, 20) // PCM
  buf.writeUInt16LE(1, 22) // mono
  buf.writeUInt32LE(rate, 24)
  buf.writeUInt32LE(rate * 2, 28) // byte rate
  buf.writeUInt16LE(2, 32) // block align
  buf.writeUInt16LE(16, 34) // bits per sample
  buf.write('data', 36, 'ascii')
  buf.writeUInt32LE(dataBytes, 40)

  const random = mulberry32(opts.seed ?? 1)
  const noteSamples = Math.round(NOTE_SECONDS * rate)
  const notes: number[] = []
  let degree = 2
  for (let i = 0; i * noteSamples < samples; i++) {
    // A gentle random walk over the scale keeps the melody stepwise rather than jumpy.
    degree = Math.min(SCALE.length - 1, Math.max(0, degree + Math.floor(random() * 5) - 2))
    notes.push(SCALE[degree] ?? 440)
  }
  const fade = FADE_SECONDS * rate
  for (let n = 0; n < samples; n++) {
    const note = Math.floor(n / noteSamples)
    const t = (n % noteSamples) / rate
    const freq = notes[note] ?? 440
    const pluck = Math.min(1, t / 0.01) * Math.exp(-4 * t)
    const bass = 0.35 * Math.sin(2 * Math.PI * (SCALE[0] ?? 261.63) / 2 * (n / rate))
    const value = pluck * (Math.sin(2 * Math.PI * freq * t) + 0.25 * Math.sin(4 * Math.PI * freq * t)) + bass
    const envelope = Math.min(1, n / fade, (samples - 1 - n) / fade)
    buf.writeInt16LE(Math.round(Math.max(-1, Math.min(1, 0.3 * value * envelope)) * 32767), 44 + n * 2)
  }
  return buf
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

/**
 * An 8-bit PNG, square (`size`, default 256) unless `width`/`height` say otherwise: an RGB
 * gradient for images, a white disc on black (grayscale) for masks.
 */
export function generatePng (opts: { kind: 'image' | 'mask', size?: number, width?: number, height?: number, seed?: number }): Buffer {
  const width = Math.max(2, Math.round(opts.width ?? opts.size ?? 256))
  const height = Math.max(2, Math.round(opts.height ?? opts.size ?? 256))
  const channels = opts.kind === 'mask' ? 1 : 3
  const stride = 1 + width * channels
  const raw = Buffer.alloc(stride * height)
  const blue = (37 * (opts.seed ?? 0) + 160) % 256
  const radius = Math.min(width, height) * 0.35
  for (let y = 0; y < height; y++) {
    raw[y * stride] = 0 // filter: none
    for (let x = 0; x < width; x++) {
      const at = y * stride + 1 + x * channels
      if (opts.kind === 'mask') {
        raw[at] = Math.hypot(x - width / 2, y - height / 2) <= radius ? 255 : 0
      } else {
        raw[at] = Math.round((x * 255) / (width - 1))
        raw[at + 1] = Math.round((y * 255) / (height - 1))
        raw[at + 2] = blue
      }
    }
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = opts.kind === 'mask' ? 0 : 2 // grayscale or truecolour
  // Bytes 10-12 stay 0: deflate, adaptive filtering, no interlace.
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0))
  ])
}

function pngChunk (type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(data.length, 0)
  head.write(type, 4, 'ascii')
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(data, crc32(head.subarray(4))), 0)
  return Buffer.concat([head, data, crc])
}

/** A small seeded PRNG, so a given task always sounds the same. */
function mulberry32 (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
