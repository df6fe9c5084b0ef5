import { randomBytes } from 'node:crypto'

/**
 * Fresh random bytes from a buffer refilled `chunks` at a time: one randomBytes call per refill
 * instead of one per caller, whose fixed cost showed on the create path. Bytes handed out are
 * wiped from the pool once the caller has copied them, so it never holds a value already in use.
 */
export function randomPool (size: number, chunks: number): (use: (bytes: Buffer) => string) => string {
  let pool = Buffer.alloc(0)
  let offset = 0
  return (use) => {
    if (offset + size > pool.length) {
      pool = randomBytes(size * chunks)
      offset = 0
    }
    const bytes = pool.subarray(offset, offset + size)
    offset += size
    const value = use(bytes)
    bytes.fill(0)
    return value
  }
}
