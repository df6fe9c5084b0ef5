import type { Leases } from '../coordination/lease.ts'
import { createPeriodic } from '../coordination/periodic.ts'
import type { MediaStore } from './types.ts'

export interface SweepResult { deleted: number, bytes: number }

export interface MediaSweepDeps {
  media: MediaStore
  /** Prefixes of the shared store whose expired objects are deleted. */
  prefixes: readonly string[]
  /** Deletes unfinished uploads past their expiry. */
  sweepUnfinished: (now: number) => Promise<SweepResult>
  /**
   * True when every instance shares the unfinished uploads (distributed mode): they are swept with
   * the shared store, by one instance at a time. Otherwise they are this instance's own leftovers,
   * on its disk, swept on every instance.
   */
  unfinishedShared: boolean
  leases: Leases
  intervalMs: number
  now: () => number
  onFreed: (area: 'shared' | 'local', result: SweepResult) => void
  onError: (err: unknown) => void
}

const LEASE = 'media-sweep'

/** Deletes expired media periodically; the shared store is swept by one instance at a time. */
export function createMediaSweep (deps: MediaSweepDeps) {
  async function sweepShared (now: number): Promise<SweepResult> {
    const result = { deleted: 0, bytes: 0 }
    for (const prefix of deps.prefixes) {
      for await (const object of deps.media.list(prefix)) {
        if (object.expiresAt === null || object.expiresAt > now) continue
        if (await deps.media.delete(object.key)) {
          result.deleted++
          result.bytes += object.size
        }
      }
    }
    return result
  }

  /** One pass; also what tests call. */
  async function run (): Promise<{ shared: SweepResult | null, local: SweepResult }> {
    const now = deps.now()
    const local = deps.unfinishedShared ? { deleted: 0, bytes: 0 } : await deps.sweepUnfinished(now)
    deps.onFreed('local', local)
    // Held for a whole interval, so another instance does not repeat the listing right after us.
    if (!await deps.leases.acquire(LEASE, deps.intervalMs)) return { shared: null, local }
    // Unfinished uploads first: their parts go with them, and the listing then only finds strays.
    const unfinished = deps.unfinishedShared ? await deps.sweepUnfinished(now) : { deleted: 0, bytes: 0 }
    const rest = await sweepShared(now)
    const shared = { deleted: unfinished.deleted + rest.deleted, bytes: unfinished.bytes + rest.bytes }
    deps.onFreed('shared', shared)
    return { shared, local }
  }

  const loop = createPeriodic(run, deps.intervalMs, deps.onError)

  return { run, start: loop.start, stop: loop.stop }
}

export type MediaSweep = ReturnType<typeof createMediaSweep>
