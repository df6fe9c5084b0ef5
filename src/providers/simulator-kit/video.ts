/**
 * A tiny H.264 encoder and MP4 muxer, so the simulator can serve video that browsers really play
 * without ffmpeg. Every coded macroblock is I_PCM (raw samples: no transform, prediction or residual
 * coding), which keeps the encoder to a bit writer. Size stays small because only the IDR frame at
 * the start of each second is fully coded; the P frames between them code just the macroblocks that
 * changed (a moving ball) and skip the rest.
 */

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

/** Constrained Baseline, the profile every H.264 decoder supports. */
export const H264_PROFILE_IDC = 66
// Level 3.0 covers the largest allowed size (640x480 = 1200 macroblocks at 30 fps) and its bit rate.
const H264_LEVEL_IDC = 30
// I_PCM is mb_type 25 in an I slice; in a P slice the intra types follow the 5 inter ones.
const MB_TYPE_I_PCM = 25
const MB_TYPE_P_I_PCM = 5 + MB_TYPE_I_PCM
const NAL_SLICE = 1
const NAL_IDR = 5
const NAL_SPS = 7
const NAL_PPS = 8

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

// ---------------------------------------------------------------------------------------------
// Picture content

/** One frame in 4:2:0: full-size luma, quarter-size chroma, all in limited (video) range. */
interface Planes {
  y: Uint8Array
  cb: Uint8Array
  cr: Uint8Array
}

interface Scene {
  width: number
  height: number
  fps: number
  seed: number
}

const BALL_RADIUS = 7

/**
 * A diagonal two-colour gradient whose hues change every second, and a white ball bouncing along
 * one macroblock row (a different row each second). Staying within one row keeps the changed area
 * of each P frame to two or three macroblocks.
 */
function renderFrame (scene: Scene, frame: number): Planes {
  const { width, height, fps } = scene
  const second = Math.floor(frame / fps)
  const hue = fract(scene.seed * 0.618_034 + second * 0.27)
  const [r0, g0, b0] = hsv(hue, 0.65, 0.95)
  const [r1, g1, b1] = hsv(fract(hue + 0.4), 0.8, 0.45)
  const rows = height / 16
  const ballY = ((scene.seed + second) % rows) * 16 + 8
  // Crosses the picture about once per second whatever the frame rate.
  const travel = Math.max(1, width - 2 * BALL_RADIUS)
  const step = travel / fps
  const along = (frame * step) % (2 * travel)
  const ballX = BALL_RADIUS + (along <= travel ? along : 2 * travel - along)

  const rgb = new Float32Array(width * height * 3)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = 0.6 * (x / Math.max(1, width - 1)) + 0.4 * (y / Math.max(1, height - 1))
      // Anti-aliased edge: partial coverage of the pixel centre by the disc.
      const ball = Math.min(1, Math.max(0, BALL_RADIUS + 0.5 - Math.hypot(x + 0.5 - ballX, y + 0.5 - ballY)))
      const at = (y * width + x) * 3
      rgb[at] = mix(r0 + (r1 - r0) * t, 1, ball)
      rgb[at + 1] = mix(g0 + (g1 - g0) * t, 1, ball)
      rgb[at + 2] = mix(b0 + (b1 - b0) * t, 1, ball)
    }
  }

  const y = new Uint8Array(width * height)
  const cb = new Uint8Array((width / 2) * (height / 2))
  const cr = new Uint8Array(cb.length)
  for (let i = 0; i < width * height; i++) {
    // BT.601 limited range, signalled as such in the SPS; PCM samples therefore never hit 0.
    y[i] = Math.round(16 + 65.481 * (rgb[i * 3] ?? 0) + 128.553 * (rgb[i * 3 + 1] ?? 0) + 24.966 * (rgb[i * 3 + 2] ?? 0))
  }
  for (let cy = 0; cy < height / 2; cy++) {
    for (let cx = 0; cx < width / 2; cx++) {
      let r = 0
      let g = 0
      let b = 0
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) {
        const at = ((cy * 2 + dy) * width + cx * 2 + dx) * 3
        r += (rgb[at] ?? 0) / 4
        g += (rgb[at + 1] ?? 0) / 4
        b += (rgb[at + 2] ?? 0) / 4
      }
      cb[cy * (width / 2) + cx] = Math.round(128 - 37.797 * r - 74.203 * g + 112 * b)
      cr[cy * (width / 2) + cx] = Math.round(128 + 112 * r - 93.786 * g - 18.214 * b)
    }
  }
  return { y, cb, cr }
}

function fract (x: number): number {
  return x - Math.floor(x)
}

function mix (a: number, b: number, t: number): number {
  return a + (b - a) * t
}

function hsv (h: number, s: number, v: number): [number, number, number] {
  const f = (n: number): number => {
    const k = (n + h * 6) % 6
    return v - v * s * Math.max(0, Math.min(k, 4 - k, 1))
  }
  return [f(5), f(3), f(1)]
}

/** The 384 samples of one macroblock in I_PCM order: 16x16 luma, then 8x8 Cb, then 8x8 Cr, each in raster order. */
function macroblockSamples (planes: Planes, width: number, mbX: number, mbY: number): Uint8Array {
  const out = new Uint8Array(384)
  for (let row = 0; row < 16; row++) {
    const from = (mbY * 16 + row) * width + mbX * 16
    out.set(planes.y.subarray(from, from + 16), row * 16)
  }
  const chromaWidth = width / 2
  for (let row = 0; row < 8; row++) {
    const from = (mbY * 8 + row) * chromaWidth + mbX * 8
    out.set(planes.cb.subarray(from, from + 8), 256 + row * 8)
    out.set(planes.cr.subarray(from, from + 8), 320 + row * 8)
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// H.264 bitstream

/** MSB-first bit writer for RBSP syntax: fixed-width fields and Exp-Golomb codes. */
class BitWriter {
  private readonly bytes: number[] = []
  private current = 0
  private bitCount = 0

  bit (value: number): void {
    this.current = (this.current << 1) | (value & 1)
    if (++this.bitCount === 8) {
      this.bytes.push(this.current)
      this.current = 0
      this.bitCount = 0
    }
  }

  /** `n` bits of `value`, n up to 32 (division rather than shifts, which would wrap at 32 bits). */
  u (n: number, value: number): void {
    for (let i = n - 1; i >= 0; i--) this.bit(Math.floor(value / 2 ** i) % 2)
  }

  ue (value: number): void {
    const code = value + 1
    const length = Math.floor(Math.log2(code))
    this.u(length, 0)
    this.u(length + 1, code)
  }

  se (value: number): void {
    this.ue(value > 0 ? 2 * value - 1 : -2 * value)
  }

  /** pcm_alignment_zero_bit (and the zero padding of trailing bits). */
  alignZero (): void {
    while (this.bitCount !== 0) this.bit(0)
  }

  /** Whole bytes; only valid when byte-aligned, as PCM samples are. */
  raw (data: Uint8Array): void {
    for (const byte of data) this.bytes.push(byte)
  }

  /** rbsp_trailing_bits: a stop bit, then zeros to the byte boundary. */
  finish (): Uint8Array {
    this.bit(1)
    this.alignZero()
    return Uint8Array.from(this.bytes)
  }
}

/**
 * A NAL unit: header byte, then the RBSP with emulation prevention, so that no 0x000000..0x000003
 * pattern appears in the payload (an 0x03 goes in after any two zero bytes followed by a byte <= 3).
 */
function nalUnit (refIdc: number, type: number, rbsp: Uint8Array): Buffer {
  const out: number[] = [(refIdc << 5) | type]
  let zeros = 0
  for (const byte of rbsp) {
    if (zeros >= 2 && byte <= 3) {
      out.push(3)
      zeros = 0
    }
    out.push(byte)
    zeros = byte === 0 ? zeros + 1 : 0
  }
  return Buffer.from(out)
}

interface Stream {
  sps: Buffer
  pps: Buffer
  /** One access unit per frame: a single slice NAL unit, without length prefix. */
  frames: Buffer[]
  /** Zero-based indexes of the IDR frames. */
  keyframes: number[]
}

function encodeH264 (opts: { width: number, height: number, fps: number, frames: number, seed: number }): Stream {
  const { width, height, fps } = opts
  const mbCols = width / 16
  const mbRows = height / 16
  // frame_num restarts at every IDR, so it only has to count up to fps - 1 without wrapping.
  const log2MaxFrameNum = Math.max(4, Math.ceil(Math.log2(fps)))
  const sps = nalUnit(3, NAL_SPS, spsRbsp({ mbCols, mbRows, fps, log2MaxFrameNum }))
  const pps = nalUnit(3, NAL_PPS, ppsRbsp())
  const scene: Scene = { width, height, fps, seed: opts.seed >>> 0 }

  const frames: Buffer[] = []
  const keyframes: number[] = []
  let previous: Planes | undefined
  for (let f = 0; f < opts.frames; f++) {
    const planes = renderFrame(scene, f)
    const idr = f % fps === 0
    const w = new BitWriter()
    // slice_header()
    w.ue(0) // first_mb_in_slice
    w.ue(idr ? 7 : 5) // slice_type I or P, the same for every slice of the picture
    w.ue(0) // pic_parameter_set_id
    w.u(log2MaxFrameNum, f % fps) // frame_num: every frame is a reference frame
    if (idr) w.ue(keyframes.length % 2) // idr_pic_id: consecutive IDRs must differ
    // pic_order_cnt_type 2 puts no picture order count in the header.
    if (!idr) {
      w.bit(0) // num_ref_idx_active_override_flag: one reference, as the PPS says
      w.bit(0) // ref_pic_list_modification_flag_l0
    }
    // dec_ref_pic_marking(): IDR keeps no_output_of_prior_pics_flag and long_term_reference_flag off;
    // P frames use the sliding window (adaptive_ref_pic_marking_mode_flag 0).
    if (idr) w.u(2, 0)
    else w.bit(0)
    w.se(0) // slice_qp_delta: irrelevant to PCM and skipped macroblocks
    w.ue(1) // disable_deblocking_filter_idc: PCM samples must come out exactly as written

    // slice_data(): P_Skip copies the reference unchanged because, with only PCM and skipped
    // neighbours, every predicted motion vector is zero.
    let skipRun = 0
    for (let mbY = 0; mbY < mbRows; mbY++) {
      for (let mbX = 0; mbX < mbCols; mbX++) {
        const samples = macroblockSamples(planes, width, mbX, mbY)
        if (!idr && previous !== undefined && sameSamples(samples, macroblockSamples(previous, width, mbX, mbY))) {
          skipRun++
          continue
        }
        if (!idr) {
          w.ue(skipRun) // mb_skip_run, written even when 0
          skipRun = 0
        }
        w.ue(idr ? MB_TYPE_I_PCM : MB_TYPE_P_I_PCM)
        w.alignZero()
        w.raw(samples)
      }
    }
    if (skipRun > 0) w.ue(skipRun)
    frames.push(nalUnit(2, idr ? NAL_IDR : NAL_SLICE, w.finish()))
    if (idr) keyframes.push(f)
    previous = planes
  }
  return { sps, pps, frames, keyframes }
}

function sameSamples (a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

function spsRbsp (opts: { mbCols: number, mbRows: number, fps: number, log2MaxFrameNum: number }): Uint8Array {
  const w = new BitWriter()
  w.u(8, H264_PROFILE_IDC)
  // constraint_set0 and constraint_set1 (Constrained Baseline), then set2..set5 and 2 reserved bits.
  w.u(8, 0b1100_0000)
  w.u(8, H264_LEVEL_IDC)
  w.ue(0) // seq_parameter_set_id
  w.ue(opts.log2MaxFrameNum - 4)
  w.ue(2) // pic_order_cnt_type: output order is decoding order, nothing to signal per slice
  w.ue(1) // max_num_ref_frames
  w.bit(0) // gaps_in_frame_num_value_allowed_flag
  w.ue(opts.mbCols - 1)
  w.ue(opts.mbRows - 1) // pic_height_in_map_units_minus1
  w.bit(1) // frame_mbs_only_flag
  w.bit(1) // direct_8x8_inference_flag
  w.bit(0) // frame_cropping_flag
  w.bit(1) // vui_parameters_present_flag
  // vui_parameters()
  w.bit(0) // aspect_ratio_info_present_flag: square pixels by default
  w.bit(0) // overscan_info_present_flag
  w.bit(1) // video_signal_type_present_flag
  w.u(3, 5) // video_format: unspecified
  w.bit(0) // video_full_range_flag: limited range, as rendered
  w.bit(1) // colour_description_present_flag
  w.u(8, 6) // colour_primaries: SMPTE 170M
  w.u(8, 6) // transfer_characteristics
  w.u(8, 6) // matrix_coefficients: BT.601, as rendered
  w.bit(0) // chroma_loc_info_present_flag
  w.bit(1) // timing_info_present_flag
  w.u(32, 1) // num_units_in_tick
  w.u(32, 2 * opts.fps) // time_scale: a frame lasts two ticks
  w.bit(1) // fixed_frame_rate_flag
  w.bit(0) // nal_hrd_parameters_present_flag
  w.bit(0) // vcl_hrd_parameters_present_flag
  w.bit(0) // pic_struct_present_flag
  // Tells decoders that no frame waits for reordering, so each one can be shown as soon as it is decoded.
  w.bit(1) // bitstream_restriction_flag
  w.bit(1) // motion_vectors_over_pic_boundaries_flag
  w.ue(0) // max_bytes_per_pic_denom: no limit
  w.ue(0) // max_bits_per_mb_denom: no limit (a PCM macroblock is over 3,000 bits)
  w.ue(15) // log2_max_mv_length_horizontal
  w.ue(15) // log2_max_mv_length_vertical
  w.ue(0) // max_num_reorder_frames
  w.ue(1) // max_dec_frame_buffering
  return w.finish()
}

function ppsRbsp (): Uint8Array {
  const w = new BitWriter()
  w.ue(0) // pic_parameter_set_id
  w.ue(0) // seq_parameter_set_id
  w.bit(0) // entropy_coding_mode_flag: CAVLC (Baseline has no CABAC)
  w.bit(0) // bottom_field_pic_order_in_frame_present_flag
  w.ue(0) // num_slice_groups_minus1
  w.ue(0) // num_ref_idx_l0_default_active_minus1
  w.ue(0) // num_ref_idx_l1_default_active_minus1
  w.bit(0) // weighted_pred_flag
  w.u(2, 0) // weighted_bipred_idc
  w.se(0) // pic_init_qp_minus26
  w.se(0) // pic_init_qs_minus26
  w.se(0) // chroma_qp_index_offset
  w.bit(1) // deblocking_filter_control_present_flag: lets slices turn the filter off
  w.bit(0) // constrained_intra_pred_flag
  w.bit(0) // redundant_pic_cnt_present_flag
  return w.finish()
}

// ---------------------------------------------------------------------------------------------
// MP4 (ISO BMFF) container

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

function muxMp4 (opts: Stream & { width: number, height: number, fps: number }): Buffer {
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
