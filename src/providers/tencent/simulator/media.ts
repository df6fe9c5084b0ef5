import { Mp3Encoder } from '@breezystack/lamejs'
import { generateWav, WAV_SAMPLE_RATE } from '../../simulator-kit/assets.ts'

/**
 * Real, playable results for the simulator: the ToMoviee simulator's melody, encoded as MP3 with
 * lamejs and, for Tencent's mp4 output, the same MP3 frames in an MP4 container (an mp4a track of
 * object type 0x6B, MPEG-1 Layer III, which browsers play).
 */

// 2 x the WAV rate: MPEG-1 Layer III (44.1 kHz) rather than MPEG-2's half rates, which fewer MP4 demuxers accept.
export const MP3_SAMPLE_RATE = WAV_SAMPLE_RATE * 2
const KBPS = 64
const SAMPLES_PER_FRAME = 1152
const MPEG1_BITRATES = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320]
const MPEG1_RATES = [44_100, 48_000, 32_000]

export function generateMp3 (opts: { seconds: number, seed: number }): Buffer {
  const wav = generateWav(opts)
  const source = new Int16Array(wav.buffer.slice(wav.byteOffset + 44, wav.byteOffset + wav.length))
  // Linear interpolation to twice the rate: inaudible for a melody this soft, and no resampler needed.
  const pcm = new Int16Array(source.length * 2)
  for (let i = 0; i < source.length; i++) {
    const a = source[i] ?? 0
    pcm[2 * i] = a
    pcm[2 * i + 1] = (a + (source[i + 1] ?? a)) >> 1
  }
  const encoder = new Mp3Encoder(1, MP3_SAMPLE_RATE, KBPS)
  return Buffer.concat([encoder.encodeBuffer(pcm), encoder.flush()].map((part) => Buffer.from(part)))
}

/** The byte lengths of the MPEG-1 Layer III frames in `mp3`, in order. */
export function mp3Frames (mp3: Buffer): { sizes: number[], sampleRate: number } {
  const sizes: number[] = []
  let sampleRate = 0
  for (let at = 0; at + 4 <= mp3.length;) {
    const header = mp3.readUInt32BE(at)
    const mpeg1Layer3 = (header >>> 21) === 0x7ff && ((header >>> 19) & 3) === 3 && ((header >>> 17) & 3) === 1
    const bitrate = MPEG1_BITRATES[(header >>> 12) & 15] ?? 0
    const rate = MPEG1_RATES[(header >>> 10) & 3] ?? 0
    if (!mpeg1Layer3 || bitrate === 0 || rate === 0) throw new Error(`no MPEG-1 Layer III frame at byte ${at}`)
    const size = Math.floor((144 * bitrate * 1000) / rate) + ((header >>> 9) & 1)
    sizes.push(size)
    sampleRate = rate
    at += size
  }
  return { sizes, sampleRate }
}

/** An audio-only MP4 (moov before mdat, so playback can start before the download ends). */
export function mp3ToMp4 (mp3: Buffer): Buffer {
  const { sizes, sampleRate } = mp3Frames(mp3)
  const duration = sizes.length * SAMPLES_PER_FRAME
  const ms = Math.round((duration * 1000) / sampleRate)
  const ftyp = box('ftyp', Buffer.from('isom'), u32(512), Buffer.from('isomiso2mp41'))
  const moovFor = (mdatOffset: number) => box('moov',
    fullBox('mvhd', 0, 0, u32(0, 0, 1000, ms, 0x0001_0000), u16(0x0100, 0), u32(0, 0), MATRIX, u32(0, 0, 0, 0, 0, 0, 2)),
    box('trak',
      fullBox('tkhd', 0, 3, u32(0, 0, 1, 0, ms, 0, 0), u16(0, 0, 0x0100, 0), MATRIX, u32(0, 0)),
      box('mdia',
        fullBox('mdhd', 0, 0, u32(0, 0, sampleRate, duration), u16(0x55c4, 0)),
        fullBox('hdlr', 0, 0, u32(0), Buffer.from('soun'), u32(0, 0, 0), Buffer.from('SoundHandler\0')),
        box('minf',
          fullBox('smhd', 0, 0, u16(0, 0)),
          box('dinf', fullBox('dref', 0, 0, u32(1), fullBox('url ', 0, 1))),
          box('stbl',
            fullBox('stsd', 0, 0, u32(1), mp4a(sampleRate, KBPS * 1000)),
            fullBox('stts', 0, 0, u32(1, sizes.length, SAMPLES_PER_FRAME)),
            fullBox('stsc', 0, 0, u32(1, 1, sizes.length, 1)),
            fullBox('stsz', 0, 0, u32(0, sizes.length, ...sizes)),
            fullBox('stco', 0, 0, u32(1, mdatOffset)))))))
  // The sample table points into mdat, which follows moov: measure moov once, then write the offset.
  const mdatOffset = ftyp.length + moovFor(0).length + 8
  return Buffer.concat([ftyp, moovFor(mdatOffset), box('mdat', mp3)])
}

function mp4a (sampleRate: number, bitrate: number): Buffer {
  const decoderConfig = descriptor(0x04, u8(0x6b, 0x15), u8(0, 0x10, 0), u32(bitrate, bitrate))
  const esds = fullBox('esds', 0, 0, descriptor(0x03, u16(1), u8(0), decoderConfig, descriptor(0x06, u8(0x02))))
  return box('mp4a', Buffer.alloc(6), u16(1), u32(0, 0), u16(1, 16, 0, 0), u32(sampleRate * 0x1_0000), esds)
}

function descriptor (tag: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts)
  return Buffer.concat([u8(tag, body.length), body])
}

function box (type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts)
  return Buffer.concat([u32(8 + body.length), Buffer.from(type, 'latin1'), body])
}

function fullBox (type: string, version: number, flags: number, ...parts: Buffer[]): Buffer {
  return box(type, u32(((version & 0xff) << 24) | (flags & 0xff_ffff)), ...parts)
}

const u8 = (...v: number[]) => Buffer.from(v)
const u16 = (...v: number[]) => { const b = Buffer.alloc(2 * v.length); v.forEach((x, i) => b.writeUInt16BE(x & 0xffff, 2 * i)); return b }
const u32 = (...v: number[]) => { const b = Buffer.alloc(4 * v.length); v.forEach((x, i) => b.writeUInt32BE(x >>> 0, 4 * i)); return b }
const MATRIX = u32(0x0001_0000, 0, 0, 0, 0x0001_0000, 0, 0, 0, 0x4000_0000)
