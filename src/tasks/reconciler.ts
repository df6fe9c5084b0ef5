import { GatewayError } from '../gateway/errors.ts'
import type { ProviderSet } from '../providers/set.ts'
import { createPeriodic } from '../coordination/periodic.ts'
import { LOCAL_LEASES, type Leases } from '../coordination/lease.ts'
import type { ProviderBudget } from '../polling/runner.ts'
import type { RateBudget } from '../polling/token-bucket.ts'
import type { TaskRecord } from './model.ts'
import { createPollLane } from './poll-lane.ts'
import type { ReconcilerTasks } from './reconciler-port.ts'
import { nextCheckAt, pollPolicyOf, type SchedulePolicy } from './schedule.ts'
import { providerOf, type Logger } from './service.ts'
import { isTerminal } from './state-machine.ts'

export interface ReconcilerDeps {
  /** The task service's side for the reconciler: the only way it reads and changes tasks. */
  tasks: ReconcilerTasks
  providers: Pick<ProviderSet, 'get'>
  log: Logger
  now: () => Date
  schedule: SchedulePolicy
  intervalMs: number
  /** Gateway polls in flight at once. */
  concurrency: number
  /** Tasks looked at per tick. */
  batchSize?: number
  /** With several instances, only the holder of a task's lease polls it. */
  leases?: Leases
  /** How long a lease lasts: longer than one poll can take, short enough to recover from a crash. */
  leaseMs?: number
  /** Polling-only providers' polls: concurrency and rate per provider (see plugins/poll-budgets.ts). */
  pollBudgets?: { budgetOf: (provider: string) => ProviderBudget, rateBudget: (provider: string) => RateBudget } | undefined
}

export interface Reconciler {
  /** One pass over the due tasks; resolves when they are all handled. */
  tick: () => Promise<number>
  start: () => void
  /** Stops scheduling and waits for the pass in progress. */
  stop: () => Promise<void>
}

/**
 * The safety net for callbacks that never come, and the poller of polling-only providers: tasks
 * whose callback is overdue are polled with their provider's `get` (after `recover` when the
 * create answer was lost) with backoff; polling-only tasks go through the poll lane (their
 * provider's budget, the poller's backoff). Both give a task up as timed out at its deadline.
 * The schedule lives in the store, so it survives restarts.
 */
export function createReconciler (deps: ReconcilerDeps): Reconciler {
  const batchSize = deps.batchSize ?? 100

  async function reschedule (task: TaskRecord, nowMs: number): Promise<void> {
    await deps.tasks.reschedule(task.id, {
      checkAttempts: task.checkAttempts + 1,
      nextCheckAt: nextCheckAt(task.checkAttempts, nowMs, task.deadlineAt, deps.schedule)
    }, (cur) => cur.version === task.version)
  }

  /** The task's upstream id; for a task whose create answer was lost, found by the provider's `recover` when it can. */
  async function upstreamIdOf (task: TaskRecord): Promise<string | null> {
    if (task.upstreamTaskId) return task.upstreamTaskId
    const provider = deps.providers.get(providerOf(task))
    const found = await provider.recover?.(task.id)
    if (!found) return null
    const bound = await deps.tasks.adoptUpstreamId(task.id, found)
    deps.log.warn({ taskId: task.id, upstreamTaskId: bound }, 'upstream id recovered from the provider')
    return bound
  }

  async function poll (task: TaskRecord): Promise<boolean> {
    try {
      const upstreamTaskId = await upstreamIdOf(task)
      if (!upstreamTaskId) return false
      // Counted against the provider's budget so progress polls use only what is left, but never
      // delayed by it: this poll decides whether a task with an overdue callback is lost.
      await deps.pollBudgets?.rateBudget(providerOf(task)).take(deps.now().getTime())
      const report = await deps.providers.get(providerOf(task)).get(upstreamTaskId, { id: task.id, capability: task.capability })
      const after = await deps.tasks.applyReport(task.id, report)
      return isTerminal(after.status)
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err
      deps.log.warn({ taskId: task.id, code: err.code }, 'reconciler poll failed')
      return false
    }
  }

  async function reconcile (task: TaskRecord): Promise<void> {
    const nowMs = deps.now().getTime()
    const resender = deps.tasks.resender
    if (resender?.due(task)) {
      try {
        await resender.underLease(task)
      } catch (err) {
        // The resend failed the task with the gateway's code (it is never sent a third time).
        if (!(err instanceof GatewayError)) throw err
      }
      return
    }
    if (await poll(task)) return
    const current = await deps.tasks.get(task.id)
    if (!current || isTerminal(current.status)) return
    if (nowMs >= current.deadlineAt) {
      const message = current.upstreamTaskId
        ? `No result from the gateway within ${Math.round((current.deadlineAt - Date.parse(current.createdAt)) / 1000)} s`
        : 'The BFF stopped before the gateway confirmed the task, and no callback came'
      await deps.tasks.giveUp(current.id, message)
      deps.log.warn({ taskId: current.id }, 'task given up at its deadline')
      return
    }
    await reschedule(current, nowMs)
  }

  const leases = deps.leases ?? LOCAL_LEASES
  const leaseMs = deps.leaseMs ?? 60_000

  async function reconcileExclusively (task: TaskRecord): Promise<void> {
    const key = `reconcile:${task.id}`
    if (!await leases.acquire(key, leaseMs)) return
    try {
      await reconcile(task)
    } finally {
      await leases.release(key)
    }
  }

  const lane = deps.pollBudgets && createPollLane({
    tasks: deps.tasks,
    providers: deps.providers,
    log: deps.log,
    now: deps.now,
    leases,
    leaseMs,
    policy: pollPolicyOf(deps.schedule),
    ...deps.pollBudgets
  })

  /** Bound polling-only tasks go to the poll lane; the rest (and a task to resend) are reconciled here. */
  function polled (task: TaskRecord): boolean {
    if (lane === undefined || task.upstreamTaskId === null || deps.tasks.resender?.due(task)) return false
    try {
      return deps.providers.get(providerOf(task)).delivery === 'polling'
    } catch {
      // A provider no longer in the registry: the usual path logs it, and the pass goes on.
      return false
    }
  }

  async function tick (): Promise<number> {
    await deps.tasks.purgeIdempotency(deps.now().getTime())
    const due = await deps.tasks.due(deps.now().getTime(), batchSize)
    const others = due.filter((t) => !polled(t))
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < others.length) {
        const task = others[next++]!
        try {
          await reconcileExclusively(task)
        } catch (err) {
          deps.log.error({ err, taskId: task.id }, 'reconcile failed')
        }
      }
    }
    await Promise.all([
      ...Array.from({ length: Math.min(deps.concurrency, others.length) }, worker),
      lane?.run(due.filter(polled), deps.intervalMs)
    ])
    return due.length
  }

  // The first pass runs as soon as the loop starts: tasks left overdue by a restart are not kept waiting.
  const loop = createPeriodic(tick, deps.intervalMs, (err) => deps.log.error({ err }, 'reconciler tick failed'), { firstDelayMs: 0 })

  return {
    tick,
    start: loop.start,
    stop: loop.stop
  }
}
