import type { Leases } from '../coordination/lease.ts'
import { createPeriodic } from '../coordination/periodic.ts'
import type { MediaStore } from './types.ts'

export interface SweepResult { deleted: number, bytes: number }

export interface MediaSweepDeps {
  media: MediaStore
  /** Prefixes of the shared store whose expired objects are deleted. */
  prefixes: readonly string[]
  /** This instance's own leftovers (unfinished uploads on its disk): swept on every instance. */
  sweepLocal: (now: number) => Promise<SweepResult>
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
    const local = await deps.sweepLocal(now)
    deps.onFreed('local', local)
    // Held for a whole interval, so another instance does not repeat the listing right after us.
    if (!await deps.leases.acquire(LEASE, deps.intervalMs)) return { shared: null, local }
    const shared = await sweepShared(now)
    deps.onFreed('shared', shared)
    return { shared, local }
  }

  const loop = createPeriodic(run, deps.intervalMs, deps.onError)

  return { run, start: loop.start, stop: loop.stop }
}

export type MediaSweep = ReturnType<typeof createMediaSweep>
