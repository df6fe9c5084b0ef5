import { createHmac, timingSafeEqual } from 'node:crypto'
import type { MediaStore } from './types.ts'

export interface MediaLinks {
  /** A URL that serves `key` without credentials until `ttlSec` from now. */
  sign: (key: string, ttlSec: number) => Promise<string>
  /** True when `sig` was made by `sign` for this key and `expires` (epoch seconds) is still ahead. */
  verify: (key: string, expires: string | undefined, sig: string | undefined) => boolean
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
  return {
    async sign (key, ttlSec) {
      const presigned = await opts.store.presign(key, ttlSec)
      if (presigned !== null) return presigned
      const expires = String(Math.floor(opts.now() / 1000) + ttlSec)
      const path = key.split('/').map(encodeURIComponent).join('/')
      return `${opts.publicUrl}/media/${path}?expires=${expires}&sig=${mac(key, expires).toString('base64url')}`
    },
    verify (key, expires, sig) {
      if (expires === undefined || sig === undefined || !/^\d{1,12}$/.test(expires)) return false
      const given = Buffer.from(sig, 'base64url')
      const wanted = mac(key, expires)
      if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) return false
      return Number(expires) * 1000 > opts.now()
    }
  }
}
