export type SniffedKind = 'video' | 'image'
export interface Sniffed { contentType: string, kind: SniffedKind }

/** Bytes needed to tell every accepted type apart (the EBML DocType sits a little way in). */
export const SNIFF_BYTES = 64
/** Fewer than this and no accepted signature can match. */
export const MIN_SNIFF_BYTES = 12

export const ACCEPTED_TYPES = ['video/mp4', 'video/quicktime', 'video/webm', 'video/x-matroska', 'image/png', 'image/jpeg', 'image/webp'] as const

const ascii = (b: Uint8Array, from: number, to: number): string => Buffer.from(b.subarray(from, to)).toString('latin1')
const starts = (b: Uint8Array, sig: readonly number[]): boolean => sig.every((v, i) => b[i] === v)

/**
 * The media type a file's first bytes prove, whatever its name or declared type says; null for
 * anything not accepted (HTML, scripts, archives, ...).
 */
export function sniff (head: Uint8Array): Sniffed | null {
  if (head.length < MIN_SNIFF_BYTES) return null
  if (starts(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { contentType: 'image/png', kind: 'image' }
  if (starts(head, [0xff, 0xd8, 0xff])) return { contentType: 'image/jpeg', kind: 'image' }
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP') return { contentType: 'image/webp', kind: 'image' }
  // ISO base media (MP4, MOV, M4V): a box size, then "ftyp" and the major brand.
  if (ascii(head, 4, 8) === 'ftyp') {
    return ascii(head, 8, 12) === 'qt  ' ? { contentType: 'video/quicktime', kind: 'video' } : { contentType: 'video/mp4', kind: 'video' }
  }
  // Older QuickTime files may open with another top-level atom instead of ftyp.
  if (['moov', 'mdat', 'wide'].includes(ascii(head, 4, 8)) && head[0] === 0) return { contentType: 'video/quicktime', kind: 'video' }
  if (starts(head, [0x1a, 0x45, 0xdf, 0xa3])) {
    return ascii(head, 0, head.length).includes('webm') ? { contentType: 'video/webm', kind: 'video' } : { contentType: 'video/x-matroska', kind: 'video' }
  }
  return null
}
