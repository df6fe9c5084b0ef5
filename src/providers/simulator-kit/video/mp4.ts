/** The MP4 (ISO BMFF) container around the H.264 stream: one video track, one chunk, moov first. */
import { H264_LEVEL_IDC, H264_PROFILE_IDC, type Stream } from './h264.ts'

function box (type: string, ...parts: Buffer[]): Buffer {
  const size = 8 + parts.reduce((n, p) => n + p.length, 0)
  const head = Buffer.alloc(8)
  head.writeUInt32BE(size, 0)
  head.write(type, 4, 'ascii')
  return Buffer.concat([head, ...parts])
}

function fullBox (type: string, version: number, flags: number, ...parts: Buffer[]): Buffer {
  return box(type, u32(((version & 0xff) << 24 | (flags & 0xffffff)) >>> 0), ...parts)
}

function u8 (...values: number[]): Buffer {
  return Buffer.from(values)
}

function u16 (...values: number[]): Buffer {
  const buf = Buffer.alloc(values.length * 2)
  values.forEach((v, i) => buf.writeUInt16BE(v & 0xffff, i * 2))
  return buf
}

function u32 (...values: number[]): Buffer {
  const buf = Buffer.alloc(values.length * 4)
  values.forEach((v, i) => buf.writeUInt32BE(v >>> 0, i * 4))
  return buf
}

// The identity transform, in 16.16 and 2.30 fixed point.
const MATRIX = u32(0x0001_0000, 0, 0, 0, 0x0001_0000, 0, 0, 0, 0x4000_0000)
const MOVIE_TIMESCALE = 1000
const TICKS_PER_FRAME = 1000

export function muxMp4 (opts: Stream & { width: number, height: number, fps: number }): Buffer {
  const { width, height, fps, sps, pps, keyframes } = opts
  const samples = opts.frames.map((nal) => Buffer.concat([u32(nal.length), nal]))
  const mediaDuration = samples.length * TICKS_PER_FRAME
  const movieDuration = Math.round((samples.length * MOVIE_TIMESCALE) / fps)

  const ftyp = box('ftyp', Buffer.from('isom', 'ascii'), u32(0x200), Buffer.from('isomiso2avc1mp41', 'ascii'))
  const avcC = box('avcC',
    u8(1, H264_PROFILE_IDC, sps[2] ?? 0, H264_LEVEL_IDC),
    u8(0xfc | 3), // lengthSizeMinusOne: 4-byte NAL lengths
    u8(0xe0 | 1), u16(sps.length), sps,
    u8(1), u16(pps.length), pps)
  const avc1 = box('avc1',
    Buffer.alloc(6), u16(1), // reserved, data_reference_index
    Buffer.alloc(16), // pre_defined and reserved
    u16(width, height),
    u32(0x0048_0000, 0x0048_0000, 0), // 72 dpi, reserved
    u16(1), // frame_count
    Buffer.alloc(32), // compressorname: empty Pascal string
    u16(0x0018, 0xffff), // depth, pre_defined -1
    avcC)

  const moov = (chunkOffset: number): Buffer => box('moov',
    fullBox('mvhd', 0, 0,
      u32(0, 0, MOVIE_TIMESCALE, movieDuration),
      u32(0x0001_0000), u16(0x0100), Buffer.alloc(10), // rate 1.0, volume 1.0, reserved
      MATRIX, Buffer.alloc(24), u32(2)), // pre_defined, next_track_ID
    box('trak',
      fullBox('tkhd', 0, 3, // enabled, in movie
        u32(0, 0, 1, 0, movieDuration), // times, track_ID, reserved, duration
        Buffer.alloc(8), u16(0, 0, 0, 0), // reserved, layer, alternate_group, volume, reserved
        MATRIX, u32(width * 0x1_0000, height * 0x1_0000)),
      box('mdia',
        fullBox('mdhd', 0, 0, u32(0, 0, fps * TICKS_PER_FRAME, mediaDuration), u16(0x55c4, 0)), // language 'und'
        fullBox('hdlr', 0, 0, u32(0), Buffer.from('vide', 'ascii'), Buffer.alloc(12), Buffer.from('VideoHandler\0', 'ascii')),
        box('minf',
          fullBox('vmhd', 0, 1, u16(0, 0, 0, 0)),
          box('dinf', fullBox('dref', 0, 0, u32(1), fullBox('url ', 0, 1))), // media in this file
          box('stbl',
            fullBox('stsd', 0, 0, u32(1), avc1),
            fullBox('stts', 0, 0, u32(1, samples.length, TICKS_PER_FRAME)),
            fullBox('stss', 0, 0, u32(keyframes.length, ...keyframes.map((k) => k + 1))),
            fullBox('stsc', 0, 0, u32(1, 1, samples.length, 1)), // a single chunk holds every sample
            fullBox('stsz', 0, 0, u32(0, samples.length, ...samples.map((s) => s.length))),
            fullBox('stco', 0, 0, u32(1, chunkOffset)))))))

  // moov ahead of mdat lets a browser start playing before the whole file has arrived.
  const moovSize = moov(0).length
  const mdat = box('mdat', ...samples)
  return Buffer.concat([ftyp, moov(ftyp.length + moovSize + 8), mdat])
}
