import { createHmac, timingSafeEqual } from 'node:crypto'
import type { MediaStore } from './types.ts'

export interface MediaLinks {
  /** A URL that serves `key` without credentials until `ttlSec` from now. */
  sign: (key: string, ttlSec: number) => Promise<string>
  /**
   * A link the BFF serves itself until `expiresAtMs`, whatever the backend: outputs are kept longer
   * than an S3 presigned URL may live (7 days), so their links are always our own.
   */
  signUntil: (key: string, expiresAtMs: number) => string
  /** True when `sig` was made by `sign` for this key and `expires` (epoch seconds) is still ahead. */
  verify: (key: string, expires: string | undefined, sig: string | undefined) => boolean
  /** Like verify, but tells a genuine link that has run out from a forged or malformed one. */
  check: (key: string, expires: string | undefined, sig: string | undefined) => 'valid' | 'expired' | 'invalid'
}

export interface MediaLinkOptions {
  store: MediaStore
  secret: string
  /** Base URL under which the BFF serves /media/<key>. */
  publicUrl: string
  now: () => number
}

/** Presigned URLs when the store can make them (S3); else links the BFF itself serves, HMAC-signed with an expiry. */
export function createMediaLinks (opts: MediaLinkOptions): MediaLinks {
  const mac = (key: string, expires: string): Buffer => createHmac('sha256', opts.secret).update(`${key}\n${expires}`).digest()
  const own = (key: string, expiresSec: number): string => {
    const expires = String(expiresSec)
    const path = key.split('/').map(encodeURIComponent).join('/')
    return `${opts.publicUrl}/media/${path}?expires=${expires}&sig=${mac(key, expires).toString('base64url')}`
  }
  const check: MediaLinks['check'] = (key, expires, sig) => {
    if (expires === undefined || sig === undefined || !/^\d{1,12}$/.test(expires)) return 'invalid'
    const given = Buffer.from(sig, 'base64url')
    const wanted = mac(key, expires)
    if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) return 'invalid'
    return Number(expires) * 1000 > opts.now() ? 'valid' : 'expired'
  }
  return {
    async sign (key, ttlSec) {
      const presigned = await opts.store.presign(key, ttlSec)
      return presigned ?? own(key, Math.floor(opts.now() / 1000) + ttlSec)
    },
    // Rounded up: the link outlives the object by under a second, and the object itself answers 410.
    signUntil: (key, expiresAtMs) => own(key, Math.ceil(expiresAtMs / 1000)),
    verify: (key, expires, sig) => check(key, expires, sig) === 'valid',
    check
  }
}
