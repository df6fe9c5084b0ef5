import { randomPool } from './random-pool.ts'

const take = randomPool(10, 256)
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))
let lastMs = 0
let sequence = 0

/**
 * A task id in the UUID text form, version 7 (RFC 9562): 48 bits of Unix milliseconds, a 12-bit
 * sequence, then 62 random bits. Ids made later sort later, so the tasks primary key and every
 * index led by the task id take new rows on their last page instead of a random one (fewer pages
 * written per create). Within one millisecond the sequence (started at a random value below 2,048)
 * counts up, and the clock is never read backwards, so one process's ids are strictly ordered.
 * Not secret (every task read is authorized by its owner), but 62 random bits keep them unguessable.
 */
export function newTaskId (nowMs: number = Date.now()): string {
  return take((r) => {
    if (nowMs > lastMs) {
      lastMs = nowMs
      sequence = ((r[0]! << 8) | r[1]!) & 0x7ff
    } else if (++sequence > 0xfff) {
      // 2,048 or more ids in one millisecond: borrow the next one rather than repeat an order.
      lastMs++
      sequence = 0
    }
    const time = lastMs.toString(16).padStart(12, '0')
    const seq = sequence.toString(16).padStart(3, '0')
    return `${time.slice(0, 8)}-${time.slice(8)}-7${seq}-${HEX[0x80 | (r[2]! & 0x3f)]}${HEX[r[3]!]}-` +
      `${HEX[r[4]!]}${HEX[r[5]!]}${HEX[r[6]!]}${HEX[r[7]!]}${HEX[r[8]!]}${HEX[r[9]!]}`
  })
}
