import { createHash } from 'node:crypto'
import type { ApiKey } from '../config.ts'

export interface Principal { owner: string }

const digest = (value: string): string => createHash('sha256').update(value, 'utf8').digest('hex')

/**
 * Matches a presented key against the configured ones by its SHA-256 digest. Looking a digest up
 * leaks nothing useful through timing: an attacker cannot steer the digest of what they send
 * towards a stored one, which is why digests rather than keys are compared. One lookup instead of
 * a comparison per configured key keeps authentication cheap with many keys.
 */
export function createApiKeyVerifier (keys: readonly ApiKey[]): (presented: string) => Principal | null {
  const owners = new Map<string, string>()
  for (const k of keys) {
    // "sha256:<hex>" configures a key by its digest, so the plain key need not sit in the environment.
    const hashed = /^sha256:([0-9a-f]{64})$/i.exec(k.key)
    owners.set(hashed ? hashed[1]!.toLowerCase() : digest(k.key), k.owner)
  }
  return (presented) => {
    const owner = owners.get(digest(presented))
    return owner === undefined ? null : { owner }
  }
}
