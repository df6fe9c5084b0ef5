import { createHash, timingSafeEqual } from 'node:crypto'
import type { ApiKey } from '../config.ts'

export interface Principal { owner: string }

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest()

/**
 * Matches a presented key against the configured ones. Keys are compared as fixed-length digests
 * in constant time, and every key is checked, so timing reveals neither a prefix nor a position.
 */
export function createApiKeyVerifier (keys: readonly ApiKey[]): (presented: string) => Principal | null {
  const known = keys.map((k) => ({ owner: k.owner, digest: digest(k.key) }))
  return (presented) => {
    const candidate = digest(presented)
    let match: Principal | null = null
    for (const k of known) {
      if (timingSafeEqual(candidate, k.digest) && match === null) match = { owner: k.owner }
    }
    return match
  }
}
