/**
 * How the growth benchmark (test/bench/growth.ts) times a read across sizes. Every size of a
 * layout is seeded before any timing, and each read's rounds alternate between the sizes (the
 * order rotating every round), so a busy moment of the shared cores lands on all sizes alike
 * instead of deciding one size's figure. A full GC runs before every timed batch: the garbage of
 * seeding and of the previous batch is not collected inside the next one. Every sample counts.
 * A size's figure is its best round: a sub-millisecond p99 is the 10th slowest of 1,000 reads, set by
 * whichever scheduling pause of the shared cores lands in that round, whereas a worse plan (a
 * longer index walk, a scan) slows every read of every round, so the best round still shows it.
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

export const ROUNDS = 5
/** Untimed calls of a read on each size before its rounds: statements prepared, pages cached, code optimised. */
export const WARMUP = 100

// Exposes gc() without restarting node with --expose-gc (the bench coordinator runs under tsx).
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

export type Read = (i: number) => Promise<unknown>
export interface Timed { p50Ms: number, p99Ms: number }

function quantile (sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
}

/** `reads` timed calls per round and size; per size, the lowest p50 and the lowest p99 of its rounds. */
export async function timeAcrossSizes (reads: number, bySize: Read[]): Promise<Timed[]> {
  for (const fn of bySize) for (let i = 0; i < WARMUP; i++) await fn(i)
  const p50 = bySize.map((): number[] => [])
  const p99 = bySize.map((): number[] => [])
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < bySize.length; k++) {
      const s = (k + round) % bySize.length
      const fn = bySize[s]!
      gc()
      const ms: number[] = []
      for (let i = 0; i < reads; i++) {
        const t0 = process.hrtime.bigint()
        await fn(round * reads + i)
        ms.push(Number(process.hrtime.bigint() - t0) / 1e6)
      }
      ms.sort((a, b) => a - b)
      p50[s]!.push(quantile(ms, 0.5))
      p99[s]!.push(quantile(ms, 0.99))
    }
  }
  return bySize.map((_, s) => ({ p50Ms: Math.min(...p50[s]!), p99Ms: Math.min(...p99[s]!) }))
}

/** Collects what seeding left behind before the timing starts. */
export function collectGarbage (): void { gc() }
