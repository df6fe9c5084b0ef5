import { setTimeout as sleep } from 'node:timers/promises'
import type { Leases } from '../coordination/lease.ts'
import { createPeriodic } from '../coordination/periodic.ts'
import type { TaskStore } from '../store/types.ts'

export interface RetentionDeps {
  store: Pick<TaskStore, 'deleteFinished'>
  leases: Leases
  /** A finished task is deleted this long after it finished; 0 keeps everything. */
  retentionMs: number
  /** Tasks per write: each batch is one short transaction (SQLite) or script (Redis). */
  batch: number
  intervalMs: number
  /** Pause between batches, so other writers get the store in between. */
  pauseMs?: number
  now: () => number
  onDeleted: (count: number) => void
  onError: (err: unknown) => void
}

const LEASE = 'task-retention'

/** Deletes finished tasks past their retention, a batch at a time, one instance at a time. */
export function createRetention (deps: RetentionDeps) {
  let stopping = false

  /** One pass over everything due; resolves to how many tasks it deleted (null: another instance holds the lease). */
  async function run (): Promise<number | null> {
    const deleteFinished = deps.store.deleteFinished
    if (deps.retentionMs <= 0 || !deleteFinished) return 0
    // Held for a whole interval: a pass longer than that simply shares the work with the next holder.
    if (!await deps.leases.acquire(LEASE, deps.intervalMs)) return null
    const before = deps.now() - deps.retentionMs
    let total = 0
    try {
      while (!stopping) {
        const deleted = await deleteFinished(before, deps.batch)
        total += deleted
        if (deleted > 0) deps.onDeleted(deleted)
        if (deleted < deps.batch) break
        await sleep(deps.pauseMs ?? 10)
      }
    } finally {
      await deps.leases.release(LEASE)
    }
    return total
  }

  const loop = createPeriodic(run, deps.intervalMs, deps.onError)

  return {
    run,
    start () {
      if (deps.retentionMs > 0) loop.start()
    },
    async stop () {
      stopping = true
      await loop.stop()
    }
  }
}

export type Retention = ReturnType<typeof createRetention>
