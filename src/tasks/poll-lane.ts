import { setTimeout as sleep } from 'node:timers/promises'
import type { Leases } from '../coordination/lease.ts'
import { GatewayError } from '../gateway/errors.ts'
import { createPollRunner, type PassStats, type PollJob, type ProviderBudget } from '../polling/runner.ts'
import type { PollPolicy } from '../polling/schedule.ts'
import type { RateBudget } from '../polling/token-bucket.ts'
import type { ProviderSet } from '../providers/set.ts'
import type { TaskRecord } from './model.ts'
import type { ReconcilerTasks } from './reconciler-port.ts'
import { providerOf, type Logger } from './service.ts'
import { isTerminal } from './state-machine.ts'

export interface PollLaneDeps {
  tasks: ReconcilerTasks
  providers: Pick<ProviderSet, 'get'>
  log: Logger
  now: () => Date
  leases: Leases
  leaseMs: number
  policy: PollPolicy
  /** A provider's concurrency and rate; its rate budget is `rateBudget(provider)`. */
  budgetOf: (provider: string) => ProviderBudget
  rateBudget: (provider: string) => RateBudget
}

interface TaskJob extends PollJob { task: TaskRecord }

const leaseKey = (id: string) => `reconcile:${id}`

/**
 * Polling-only providers' due tasks, run through the poll runner (src/polling/runner.ts) inside
 * the reconciler's pass: the same `reconcile:<id>` lease, the task's `nextCheckAt` as the schedule,
 * per-provider concurrency and rate budget, backoff after each unfinished poll, the deadline.
 */
export function createPollLane (deps: PollLaneDeps) {
  const nowMs = () => deps.now().getTime()
  const typicalOf = (task: TaskRecord) =>
    deps.providers.get(providerOf(task)).capabilities.find((c) => c.name === task.capability)?.typicalSeconds ?? { min: 0, max: 0 }
  const scheduleOf = (task: TaskRecord) => ({ nextPollAt: task.nextCheckAt ?? task.deadlineAt, attempt: task.checkAttempts, deadlineAt: task.deadlineAt })

  const runner = createPollRunner({
    now: nowMs,
    sleep: (ms) => sleep(ms),
    budgets: {},
    budgetOf: deps.budgetOf,
    defaultBudget: { concurrency: 1, ratePerSec: 1, burst: 1 },
    policy: deps.policy,
    rateBudget: (provider) => deps.rateBudget(provider),
    async claim (job) {
      if (!await deps.leases.acquire(leaseKey(job.id), deps.leaseMs)) return false
      // The pass's list may be stale: another instance may have polled and rescheduled it since.
      const current = await deps.tasks.get(job.id)
      if (!current || isTerminal(current.status) || current.nextCheckAt === null || current.nextCheckAt > nowMs()) {
        await deps.leases.release(leaseKey(job.id))
        return false
      }
      const taskJob = job as TaskJob
      taskJob.task = current
      taskJob.schedule = scheduleOf(current)
      return true
    },
    release: (job) => deps.leases.release(leaseKey(job.id)),
    async poll (job) {
      const { task } = job as TaskJob
      if (!task.upstreamTaskId) return 'running'
      const report = await deps.providers.get(task.provider).get(task.upstreamTaskId, { id: task.id, capability: task.capability })
      const after = await deps.tasks.applyReport(task.id, report)
      return isTerminal(after.status) ? 'finished' : 'running'
    },
    async expire (job) {
      const { task } = job as TaskJob
      const seconds = Math.round((task.deadlineAt - Date.parse(task.createdAt)) / 1000)
      await deps.tasks.giveUp(task.id, `No result from the provider within ${seconds} s`)
      deps.log.warn({ taskId: task.id, provider: task.provider }, 'task given up at its deadline')
    },
    async reschedule (job, next) {
      await deps.tasks.reschedule(job.id, { nextCheckAt: next.nextPollAt, checkAttempts: next.attempt }, (cur) => !isTerminal(cur.status))
    },
    onError (job, err) {
      if (err instanceof GatewayError) deps.log.warn({ taskId: job.id, provider: job.provider, code: err.code }, 'poll failed; retried with backoff')
      else deps.log.error({ err, taskId: job.id, provider: job.provider }, 'poll failed; retried with backoff')
    }
  })

  /**
   * The jobs of one pass. A provider's share is what its budget can spend before the next pass
   * (burst + rate × interval): the others stay due, so one busy provider never holds the pass
   * (and the callback providers' checks in it) for long.
   */
  function select (due: readonly TaskRecord[], intervalMs: number): TaskJob[] {
    const taken = new Map<string, number>()
    const jobs: TaskJob[] = []
    for (const task of due) {
      const budget = deps.budgetOf(task.provider)
      const share = Math.max(budget.concurrency, Math.ceil(budget.burst + budget.ratePerSec * intervalMs / 1000))
      const n = taken.get(task.provider) ?? 0
      if (n >= share) continue
      taken.set(task.provider, n + 1)
      jobs.push({ id: task.id, provider: task.provider, typical: typicalOf(task), schedule: scheduleOf(task), task })
    }
    return jobs
  }

  return {
    /** Polls the due tasks of polling-only providers; resolves when each is handled. */
    run: (due: readonly TaskRecord[], intervalMs: number): Promise<PassStats> => runner.run(select(due, intervalMs))
  }
}

export type PollLane = ReturnType<typeof createPollLane>
