import { describe, expect, it } from 'vitest'
import { generateMp4, H264_PROFILE_IDC, MP4_DEFAULTS } from '../../src/providers/simulator-kit/video.ts'

interface Box {
  type: string
  /** Offset of the box header in the file. */
  start: number
  /** The payload, after the 8-byte header. */
  data: Buffer
}

function boxes (buf: Buffer, base = 0): Box[] {
  const list: Box[] = []
  let at = 0
  while (at < buf.length) {
    const size = buf.readUInt32BE(at)
    expect(size).toBeGreaterThanOrEqual(8)
    expect(at + size).toBeLessThanOrEqual(buf.length)
    list.push({ type: buf.toString('ascii', at + 4, at + 8), start: base + at, data: buf.subarray(at + 8, at + size) })
    at += size
  }
  return list
}

/** The box at a slash-separated path of container boxes. */
function find (list: Box[], path: string): Box {
  const [head, ...rest] = path.split('/')
  const found = list.find((b) => b.type === head)
  if (found === undefined) throw new Error(`no ${head} box`)
  return rest.length === 0 ? found : find(boxes(found.data, found.start + 8), rest.join('/'))
}

function u32s (data: Buffer, from: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => data.readUInt32BE(from + i * 4))
}

/** MSB-first reader for the SPS fields the test checks; expects emulation prevention already removed. */
function bitReader (data: Buffer): { u: (n: number) => number, ue: () => number } {
  let pos = 0
  const bit = (): number => ((data[pos >> 3] ?? 0) >> (7 - (pos++ & 7))) & 1
  const u = (n: number): number => {
    let v = 0
    for (let i = 0; i < n; i++) v = v * 2 + bit()
    return v
  }
  const ue = (): number => {
    let zeros = 0
    while (bit() === 0) zeros++
    return 2 ** zeros - 1 + u(zeros)
  }
  return { u, ue }
}

function unescape (nal: Buffer): Buffer {
  const out: number[] = []
  for (let i = 0; i < nal.length; i++) {
    if (i >= 2 && nal[i] === 3 && nal[i - 1] === 0 && nal[i - 2] === 0) continue
    out.push(nal[i] ?? 0)
  }
  return Buffer.from(out)
}

/** The length-prefixed NAL units of one sample; the prefixes must tile the sample exactly. */
function nalUnits (sample: Buffer): Buffer[] {
  const nals: Buffer[] = []
  let at = 0
  while (at < sample.length) {
    const length = sample.readUInt32BE(at)
    expect(length).toBeGreaterThan(0)
    nals.push(sample.subarray(at + 4, at + 4 + length))
    at += 4 + length
  }
  expect(at).toBe(sample.length)
  return nals
}

function expectNoStartCodeEmulation (nal: Buffer): void {
  for (let i = 0; i + 2 < nal.length; i++) {
    if (nal[i] !== 0 || nal[i + 1] !== 0) continue
    const third = nal[i + 2] ?? 0
    expect(third, `0x0000${third.toString(16).padStart(2, '0')} at ${i}`).toBeGreaterThanOrEqual(3)
    // An emulation prevention byte only ever precedes 0x00..0x03.
    if (third === 3 && i + 3 < nal.length) expect(nal[i + 3]).toBeLessThanOrEqual(3)
  }
  expect(nal[nal.length - 1]).not.toBe(0)
}

interface Parsed {
  top: Box[]
  avcC: Buffer
  sps: Buffer
  pps: Buffer
  samples: Buffer[]
  keyframes: number[]
  timescale: number
  mediaDuration: number
}

function parse (mp4: Buffer): Parsed {
  const top = boxes(mp4)
  const stbl = 'moov/trak/mdia/minf/stbl'
  const stsd = find(top, `${stbl}/stsd`).data
  expect(stsd.readUInt32BE(4)).toBe(1)
  const entry = boxes(stsd.subarray(8))[0]
  expect(entry?.type).toBe('avc1')
  // avc1 payload: 78 bytes of VisualSampleEntry fields, then its child boxes.
  const avcC = boxes(entry?.data.subarray(78) ?? Buffer.alloc(0)).find((b) => b.type === 'avcC')?.data
  if (avcC === undefined) throw new Error('no avcC box')
  const spsLength = avcC.readUInt16BE(6)
  const sps = avcC.subarray(8, 8 + spsLength)
  expect(avcC[8 + spsLength]).toBe(1) // one PPS
  const pps = avcC.subarray(11 + spsLength, 11 + spsLength + avcC.readUInt16BE(9 + spsLength))

  const stsz = find(top, `${stbl}/stsz`).data
  expect(stsz.readUInt32BE(4)).toBe(0) // sizes listed per sample
  const sizes = u32s(stsz, 12, stsz.readUInt32BE(8))
  const stsc = find(top, `${stbl}/stsc`).data
  expect(u32s(stsc, 4, 4)).toEqual([1, 1, sizes.length, 1]) // one chunk with every sample
  const stco = find(top, `${stbl}/stco`).data
  expect(stco.readUInt32BE(4)).toBe(1)
  const mdat = find(top, 'mdat')
  const offset = stco.readUInt32BE(8)
  expect(offset).toBe(mdat.start + 8)
  const total = sizes.reduce((a, b) => a + b, 0)
  expect(offset + total).toBe(mdat.start + 8 + mdat.data.length)
  let at = offset
  const samples = sizes.map((size) => {
    const sample = mp4.subarray(at, at + size)
    at += size
    return sample
  })
  const stss = find(top, `${stbl}/stss`).data
  const mdhd = find(top, 'moov/trak/mdia/mdhd').data
  return {
    top,
    avcC,
    sps,
    pps,
    samples,
    keyframes: u32s(stss, 8, stss.readUInt32BE(4)),
    timescale: mdhd.readUInt32BE(12),
    mediaDuration: mdhd.readUInt32BE(16)
  }
}

describe('generateMp4', () => {
  const mp4 = generateMp4({ seconds: 5, seed: 1 })
  const parsed = parse(mp4)
  const { fps, width, height } = MP4_DEFAULTS

  it('lays out ftyp, moov, then mdat, so playback can start before the download ends', () => {
    expect(parsed.top.map((b) => b.type)).toEqual(['ftyp', 'moov', 'mdat'])
    const ftyp = find(parsed.top, 'ftyp').data
    expect(ftyp.toString('ascii', 0, 4)).toBe('isom')
    const brands = ftyp.subarray(8).toString('ascii').match(/.{4}/g)
    expect(brands).toEqual(expect.arrayContaining(['isom', 'avc1', 'mp41']))
  })

  it('describes one 5-second H.264 video track', () => {
    expect(find(parsed.top, 'moov/trak/mdia/hdlr').data.toString('ascii', 8, 12)).toBe('vide')
    const mvhd = find(parsed.top, 'moov/mvhd').data
    expect(mvhd.readUInt32BE(16) / mvhd.readUInt32BE(12)).toBe(5)
    const tkhd = find(parsed.top, 'moov/trak/tkhd').data
    expect(tkhd.readUInt32BE(12)).toBe(1) // track_ID
    expect(tkhd.readUInt32BE(20)).toBe(mvhd.readUInt32BE(16))
    expect([tkhd.readUInt32BE(76), tkhd.readUInt32BE(80)]).toEqual([width * 65536, height * 65536])
    expect(parsed.mediaDuration / parsed.timescale).toBe(5)
    const stts = find(parsed.top, 'moov/trak/mdia/minf/stbl/stts').data
    expect(u32s(stts, 4, 3)).toEqual([1, 5 * fps, parsed.timescale / fps])
  })

  it('carries a Constrained Baseline SPS and a PPS in avcC', () => {
    expect([...parsed.avcC.subarray(0, 6)]).toEqual([1, H264_PROFILE_IDC, 0xc0, 30, 0xff, 0xe1])
    expect(parsed.sps[0]).toBe(0x67)
    expect(parsed.pps[0]).toBe(0x68)
    const sps = bitReader(unescape(parsed.sps.subarray(1)))
    expect(sps.u(8)).toBe(H264_PROFILE_IDC)
    expect(sps.u(8)).toBe(0xc0) // constraint_set0 and constraint_set1
    expect(sps.u(8)).toBe(30)
    expect(sps.ue()).toBe(0) // seq_parameter_set_id
    sps.ue() // log2_max_frame_num_minus4
    expect(sps.ue()).toBe(2) // pic_order_cnt_type
    expect(sps.ue()).toBe(1) // max_num_ref_frames
    expect(sps.u(1)).toBe(0) // gaps_in_frame_num_value_allowed_flag
    expect((sps.ue() + 1) * 16).toBe(width)
    expect((sps.ue() + 1) * 16).toBe(height)
    expect(sps.u(1)).toBe(1) // frame_mbs_only_flag
  })

  it('has seconds * fps samples, an IDR at the start of every second, P frames between', () => {
    expect(parsed.samples).toHaveLength(5 * fps)
    expect(parsed.keyframes).toEqual([1, 1 + fps, 1 + 2 * fps, 1 + 3 * fps, 1 + 4 * fps])
    parsed.samples.forEach((sample, i) => {
      const nals = nalUnits(sample)
      expect(nals).toHaveLength(1)
      const header = nals[0]?.[0] ?? 0
      expect(header & 0x1f).toBe(i % fps === 0 ? 5 : 1)
      expect(header >> 5).toBeGreaterThan(0) // every frame is a reference for the next
    })
    // A keyframe holds every macroblock uncompressed; P frames only the few around the moving ball.
    const idr = parsed.samples[0]?.length ?? 0
    expect(idr).toBeGreaterThan((width / 16) * (height / 16) * 384)
    for (const [i, sample] of parsed.samples.entries()) {
      if (i % fps !== 0) expect(sample.length).toBeLessThan(idr / 10)
    }
  })

  it('keeps start codes out of every NAL unit payload', () => {
    expectNoStartCodeEmulation(parsed.sps)
    expectNoStartCodeEmulation(parsed.pps)
    for (const sample of parsed.samples) for (const nal of nalUnits(sample)) expectNoStartCodeEmulation(nal)
  })

  it('stays small', () => {
    expect(mp4.length).toBeLessThan(300_000)
  })

  it('is deterministic per seed and varies with it', () => {
    expect(generateMp4({ seconds: 2, seed: 1 }).equals(generateMp4({ seconds: 2, seed: 1 }))).toBe(true)
    expect(generateMp4({ seconds: 2, seed: 1 }).equals(generateMp4({ seconds: 2, seed: 2 }))).toBe(false)
  })

  it('clamps the length to 1..10 seconds', () => {
    expect(parse(generateMp4({ seconds: 0 })).samples).toHaveLength(fps)
    expect(parse(generateMp4({ seconds: Number.NaN })).samples).toHaveLength(fps)
    const long = parse(generateMp4({ seconds: 60 }))
    expect(long.samples).toHaveLength(10 * fps)
    expect(long.keyframes).toHaveLength(10)
  })

  it('rounds the size to whole macroblocks and honours the frame rate', () => {
    const small = parse(generateMp4({ seconds: 2, width: 100, height: 50, fps: 4 }))
    const tkhd = find(small.top, 'moov/trak/tkhd').data
    expect([tkhd.readUInt32BE(76) / 65536, tkhd.readUInt32BE(80) / 65536]).toEqual([96, 48])
    expect(small.samples).toHaveLength(8)
    expect(small.keyframes).toEqual([1, 5])
    expect(small.mediaDuration / small.timescale).toBe(2)
  })
})
