import { createHash, timingSafeEqual } from 'node:crypto'
import type { ApiKey } from '../config.ts'

export interface Principal { owner: string }

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest()

/**
 * Matches a presented key against the configured ones. Keys are compared as fixed-length digests
 * in constant time, and every key is checked, so timing reveals neither a prefix nor a position.
 */
export function createApiKeyVerifier (keys: readonly ApiKey[]): (presented: string) => Principal | null {
  // "sha256:<hex>" configures a key by its digest, so the plain key need not sit in the environment.
  const known = keys.map((k) => {
    const hashed = /^sha256:([0-9a-f]{64})$/i.exec(k.key)
    return { owner: k.owner, digest: hashed ? Buffer.from(hashed[1]!, 'hex') : digest(k.key) }
  })
  return (presented) => {
    const candidate = digest(presented)
    let match: Principal | null = null
    for (const k of known) {
      if (timingSafeEqual(candidate, k.digest) && match === null) match = { owner: k.owner }
    }
    return match
  }
}
