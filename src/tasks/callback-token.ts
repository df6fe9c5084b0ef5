import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

const TOKEN_BYTES = 32
// One randomBytes call per 128 tokens instead of one per create: the call's fixed cost showed on the create path.
const POOL_TOKENS = 128
let pool = Buffer.alloc(0)
let offset = 0

/** A fresh unguessable token for one task's callback URL (256 bits). */
export function newCallbackToken (): { token: string, hash: string } {
  if (offset + TOKEN_BYTES > pool.length) {
    pool = randomBytes(TOKEN_BYTES * POOL_TOKENS)
    offset = 0
  }
  const bytes = pool.subarray(offset, offset + TOKEN_BYTES)
  const token = bytes.toString('base64url')
  // Handed-out bytes are wiped, so the pool never holds a token already in use.
  bytes.fill(0)
  offset += TOKEN_BYTES
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
