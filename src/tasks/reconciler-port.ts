import type { UpstreamReport } from '../providers/types.ts'
import type { TaskStore } from '../store/types.ts'
import type { TaskRecord } from './model.ts'
import type { Resender } from './resend.ts'
import type { Transitions } from './transitions.ts'

/**
 * Everything the reconciler may read and do to tasks. The task service builds it, so the
 * reconciler changes a task only through the service's transitions (one writer), never the store.
 */
export interface ReconcilerTasks {
  /** Unfinished tasks whose next check is due at `nowMs`, earliest first. */
  due: (nowMs: number, limit: number) => Promise<TaskRecord[]>
  get: (id: string) => Promise<TaskRecord | undefined>
  /** Applies a provider's report, as a callback would be. */
  applyReport: (id: string, report: UpstreamReport) => Promise<TaskRecord>
  /** Ends an unfinished task as timed out. */
  giveUp: (id: string, message: string) => Promise<void>
  /** Moves the next check (schedule bookkeeping, no event) when `when` holds for the current record. */
  reschedule: (id: string, next: { nextCheckAt: number, checkAttempts: number }, when: (cur: TaskRecord) => boolean) => Promise<void>
  /** Binds an upstream id found by the provider's `recover`; answers the id the task is bound to afterwards. */
  adoptUpstreamId: (id: string, upstreamTaskId: string) => Promise<string | null>
  /** Housekeeping of every pass: expired idempotency keys. */
  purgeIdempotency: (nowMs: number) => Promise<unknown>
  /** Tasks never confirmed by the gateway within their send window are sent once more (see resend.ts). */
  resender?: Pick<Resender, 'due' | 'underLease'> | undefined
}

export function createReconcilerTasks (store: TaskStore, transitions: Transitions, resender?: Resender): ReconcilerTasks {
  return {
    due: (nowMs, limit) => store.due(nowMs, limit),
    get: (id) => store.get(id),
    applyReport: async (id, report) => (await transitions.applyUpstream(id, report, 'reconciler')).task,
    async giveUp (id, message) {
      await transitions.end(id, 'timed_out', 'BFF_ERR_TASK_TIMED_OUT', message, 'reconciler')
    },
    async reschedule (id, next, when) {
      await transitions.annotate(id, next, when)
    },
    adoptUpstreamId: async (id, upstreamTaskId) => (await transitions.annotate(id, { upstreamTaskId }, (cur) => cur.upstreamTaskId === null)).task.upstreamTaskId,
    purgeIdempotency: (nowMs) => store.purgeIdempotency(nowMs),
    resender
  }
}
