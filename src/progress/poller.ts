/**
 * Real progress for tasks someone is watching (issue 16): providers that call back only at the
 * end (ToMoviee, by its documentation) say nothing while a job runs, so every `periodMs` the BFF
 * asks them about the running tasks that have a live stream, and applies the answer like a
 * callback (an event only when something changed; a terminal answer finishes the task).
 *
 * Best effort by design: a poll that finds the provider's budget spent, or the task's lease held
 * by another instance, is skipped for this period rather than queued.
 */
import type { Leases } from '../coordination/lease.ts'
import type { RateBudget } from '../polling/token-bucket.ts'
import type { Provider, UpstreamReport } from '../providers/types.ts'
import type { TaskRecord } from '../tasks/model.ts'
import type { Watchers } from './watchers.ts'

export interface ProgressTasks {
  /** The owner's unfinished tasks, at most `limit`. */
  unfinished: (owner: string, limit: number) => Promise<TaskRecord[]>
  get: (id: string) => Promise<TaskRecord | undefined>
  /** Applies a provider's report as a callback would be. */
  applyReport: (id: string, report: UpstreamReport) => Promise<unknown>
}

export interface ProgressPollerDeps {
  watchers: Watchers
  tasks: ProgressTasks
  provider: (id: string) => Pick<Provider, 'delivery' | 'get'>
  budget: (provider: string) => RateBudget
  /** One poll of a task per period across instances: the lease `progress:<taskId>` is held for the period. */
  leases: Leases
  periodMs: number
  /** Polls in flight at once on this instance, over all providers. */
  concurrency: number
  /** Tasks looked at per watched owner and period. */
  perOwner: number
  now: () => number
  onError: (err: unknown, taskId: string) => void
}

export interface PollPassStats { polled: number, skipped: number, failed: number }

function isPollable (task: TaskRecord | undefined, delivery: Provider['delivery']): task is TaskRecord & { upstreamTaskId: string } {
  // Polling providers are already polled on their own schedule; synchronous ones have nothing to ask.
  return task !== undefined && delivery === 'callback' && task.upstreamTaskId !== null &&
    (task.status === 'queued' || task.status === 'processing')
}

export function createProgressPoller (deps: ProgressPollerDeps) {
  async function candidates (): Promise<TaskRecord[]> {
    const { owners, tasks } = deps.watchers.targets()
    const found = new Map<string, TaskRecord>()
    for (const owner of owners) {
      for (const task of await deps.tasks.unfinished(owner, deps.perOwner)) found.set(task.id, task)
    }
    for (const { taskId } of tasks) {
      const task = await deps.tasks.get(taskId)
      if (task) found.set(task.id, task)
    }
    return [...found.values()].filter((t) => isPollable(t, deps.provider(t.provider).delivery))
  }

  async function pollOne (task: TaskRecord & { upstreamTaskId: string }, stats: PollPassStats): Promise<void> {
    // The lease first: it is cheap, and a task another instance polls this period costs no token.
    if (!await deps.leases.acquire(`progress:${task.id}`, Math.max(1, Math.floor(deps.periodMs * 0.9)))) {
      stats.skipped++
      return
    }
    if (await deps.budget(task.provider).take(deps.now()) > 0) {
      stats.skipped++
      return
    }
    try {
      const report = await deps.provider(task.provider).get(task.upstreamTaskId, { id: task.id, capability: task.capability })
      await deps.tasks.applyReport(task.id, report)
      stats.polled++
    } catch (err) {
      stats.failed++
      deps.onError(err, task.id)
    }
  }

  return {
    /** One period's polls; resolves when they are all done. */
    async pass (): Promise<PollPassStats> {
      const stats: PollPassStats = { polled: 0, skipped: 0, failed: 0 }
      const queue = (await candidates()) as (TaskRecord & { upstreamTaskId: string })[]
      const workers = Array.from({ length: Math.min(deps.concurrency, queue.length) }, async () => {
        for (let task = queue.shift(); task; task = queue.shift()) await pollOne(task, stats)
      })
      await Promise.all(workers)
      return stats
    }
  }
}
