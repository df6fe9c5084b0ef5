import type { Readable } from 'node:stream'

/** What the store knows about one stored file. */
export interface MediaObject {
  key: string
  size: number
  contentType: string
  /** Epoch ms after which the object may be swept; null keeps it until deleted. */
  expiresAt: number | null
  /** Small string facts kept with the object (owner, origin, ...). */
  meta: Readonly<Record<string, string>>
}

export interface PutOptions {
  contentType: string
  /** The body is refused (and nothing is kept) once it passes this many bytes. */
  maxBytes: number
  expiresAt?: number | null
  meta?: Record<string, string>
}

/** Inclusive byte offsets, as in an HTTP Range header. */
export interface ByteRange { start: number, end: number }

export interface MediaRead { object: MediaObject, body: Readable, range: ByteRange | null }

/**
 * Where uploads and copied outputs live. Keys are `/`-separated paths of `[\w.-]` segments.
 * Implementations stream: no method holds a whole file in memory.
 */
export interface MediaStore {
  /** Streams `body` into `key`, replacing what was there. Rejects with MediaTooLargeError (keeping nothing) past maxBytes. */
  put: (key: string, body: Readable | Uint8Array, opts: PutOptions) => Promise<MediaObject>
  /** Copies a finished local file into the store (a hard link on disk when it can, an upload to S3); the source stays. */
  adopt: (key: string, path: string, opts: Omit<PutOptions, 'maxBytes'>) => Promise<MediaObject>
  /** Null when the key does not exist. */
  stat: (key: string) => Promise<MediaObject | null>
  /** Null when the key does not exist; a range must lie within the object (see parseRange). */
  read: (key: string, range?: ByteRange) => Promise<MediaRead | null>
  /** True when something was deleted. */
  delete: (key: string) => Promise<boolean>
  /** Objects under `prefix` (e.g. "uploads/"), in no particular order. */
  list: (prefix: string) => AsyncIterable<MediaObject>
  /** A time-limited GET URL the store itself answers (S3 presigning); null when the BFF must serve and sign it. */
  presign: (key: string, ttlSec: number) => Promise<string | null>
  close: () => Promise<void>
}

export class MediaTooLargeError extends Error {
  readonly maxBytes: number
  constructor (maxBytes: number) {
    super(`the file is larger than ${maxBytes} bytes`)
    this.name = 'MediaTooLargeError'
    this.maxBytes = maxBytes
  }
}

const KEY = /^[\w.-]+(\/[\w.-]+)*$/

/** Keys come from our own code, but a bad one must never escape the store's root. */
export function assertKey (key: string): void {
  if (!KEY.test(key) || key.split('/').some((s) => s === '.' || s === '..')) throw new Error(`invalid media key ${JSON.stringify(key)}`)
}

/**
 * Parses a single `bytes=` range against a size: null for no (or an unusable multi-) range, 'invalid'
 * for one that cannot be satisfied (answer 416).
 */
export function parseRange (header: string | undefined, size: number): ByteRange | null | 'invalid' {
  if (header === undefined) return null
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (!m || (m[1] === '' && m[2] === '')) return header.includes(',') ? null : 'invalid'
  if (m[1] === '') {
    const suffix = Number(m[2])
    if (suffix === 0 || size === 0) return 'invalid'
    return { start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(m[1])
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1)
  if (start >= size || end < start) return 'invalid'
  return { start, end }
}
