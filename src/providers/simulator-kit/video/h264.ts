/**
 * The H.264 encoder: one slice per frame, every coded macroblock I_PCM (raw samples), P frames
 * skipping the macroblocks that did not change.
 */
import { BitWriter, nalUnit } from './bits.ts'
import { macroblockSamples, renderFrame, type Planes, type Scene } from './picture.ts'

/** Constrained Baseline, the profile every H.264 decoder supports. */
export const H264_PROFILE_IDC = 66
// Level 3.0 covers the largest allowed size (640x480 = 1200 macroblocks at 30 fps) and its bit rate.
export const H264_LEVEL_IDC = 30
// I_PCM is mb_type 25 in an I slice; in a P slice the intra types follow the 5 inter ones.
const MB_TYPE_I_PCM = 25
const MB_TYPE_P_I_PCM = 5 + MB_TYPE_I_PCM
const NAL_SLICE = 1
const NAL_IDR = 5
const NAL_SPS = 7
const NAL_PPS = 8

export interface Stream {
  sps: Buffer
  pps: Buffer
  /** One access unit per frame: a single slice NAL unit, without length prefix. */
  frames: Buffer[]
  /** Zero-based indexes of the IDR frames. */
  keyframes: number[]
}

export function encodeH264 (opts: { width: number, height: number, fps: number, frames: number, seed: number }): Stream {
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
