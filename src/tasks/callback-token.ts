import { createHash, timingSafeEqual } from 'node:crypto'
import { randomPool } from './random-pool.ts'

const take = randomPool(32, 128)

/** A fresh unguessable token for one task's callback URL (256 bits). */
export function newCallbackToken (): { token: string, hash: string } {
  const token = take((bytes) => bytes.toString('base64url'))
  return { token, hash: hashToken(token) }
}

export function hashToken (token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

// Compared when the task does not exist, so an unknown id costs the same as a wrong token.
const DUMMY_HASH = hashToken('no-such-task')

/** Constant-time check of a presented token against the stored hash (or none). */
export function tokenMatches (presented: string | undefined, storedHash: string | undefined): boolean {
  const a = Buffer.from(hashToken(presented ?? ''), 'hex')
  const b = Buffer.from(storedHash ?? DUMMY_HASH, 'hex')
  const same = a.length === b.length && timingSafeEqual(a, b)
  return same && presented !== undefined && storedHash !== undefined
}
