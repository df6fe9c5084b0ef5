import type { EventBus } from '../bus/types.ts'
import { BffError, ERRORS, type ErrorCode } from '../errors.ts'
import type { Observer, TaskSource } from '../observability/observer.ts'
import type { TaskStore } from '../store/types.ts'
import { isFileOutput, type Output, type TaskEvent, type TaskRecord, type TaskStatus } from './model.ts'
import type { UrlPolicy } from '../security/url-policy.ts'
import type { UpstreamReport } from '../providers/types.ts'
import { outputProblem } from './outputs.ts'
import { advance, isTerminal } from './state-machine.ts'
import type { Logger } from './service.ts'

const END_ERRORS: Partial<Record<TaskStatus, ErrorCode>> = {
  failed: 'BFF_ERR_TASK_FAILED',
  canceled: 'BFF_ERR_TASK_CANCELED',
  timed_out: 'BFF_ERR_TASK_TIMED_OUT'
}
const MAX_CAS_ATTEMPTS = 5

type Change = { next: Omit<TaskRecord, 'version' | 'updatedAt'>, emit: boolean } | null

export interface TransitionDeps {
  store: TaskStore
  bus: EventBus
  log: Logger
  observer: Observer
  now: () => Date
  /** Which result URLs may reach clients; unchecked when absent. */
  outputPolicy?: UrlPolicy | undefined
  /** Copies outputs into the media store before the success is written (see src/custody). */
  custody?: { take: (taskId: string, outputs: readonly Output[]) => Promise<Output[]> } | undefined
}

/**
 * Every write to a task goes through here: compare-and-set against concurrent writers, the event
 * appended in the same step, the bus told afterwards, finished tasks taken off the reconciler's list.
 */
export function createTransitions (deps: TransitionDeps) {
  async function publish (event: TaskEvent): Promise<void> {
    try {
      await deps.bus.publish(event)
    } catch (err) {
      // The event is durable already; streams catch up on reconnect through the log.
      deps.log.error({ err, taskId: event.task.id }, 'event publish failed')
    }
  }

  /** Read-modify-write; `change` returns null for "nothing to do". */
  async function mutate (taskId: string, change: (current: TaskRecord) => Change, source: TaskSource, known?: TaskRecord): Promise<{ task: TaskRecord, changed: boolean }> {
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      // A record the caller just read saves the first read; a stale one only costs a CAS retry.
      const current = attempt === 0 && known?.id === taskId ? known : await deps.store.get(taskId)
      if (!current) throw new BffError('BFF_ERR_TASK_NOT_FOUND')
      const decided = change(current)
      if (!decided) return { task: current, changed: false }
      const finished = isTerminal(decided.next.status)
      const next: TaskRecord = {
        ...decided.next,
        nextCheckAt: finished ? null : decided.next.nextCheckAt,
        version: current.version + 1,
        updatedAt: deps.now().toISOString()
      }
      const written = await deps.store.update(next, decided.emit, current)
      if (written === null) continue
      if (written !== true) await publish(written)
      if (finished && !isTerminal(current.status)) deps.observer.taskFinished(next.capability, next.status, source)
      return { task: next, changed: true }
    }
    throw new Error(`task ${taskId}: too many concurrent writers`)
  }

  /** Ends an unfinished task with an error; a finished one is left alone. */
  async function end (taskId: string, status: 'failed' | 'timed_out', code: ErrorCode, message: string, source: TaskSource): Promise<{ task: TaskRecord, changed: boolean }> {
    return mutate(taskId, (cur) => {
      const moved = advance(cur, { status })
      return moved ? { next: { ...cur, ...moved, error: { code, message } }, emit: true } : null
    }, source)
  }

  /**
   * The success event waits for the copies, so the URLs it carries are final; a duplicate report
   * for a finished task copies nothing. Null when there is nothing to copy.
   */
  async function custodyOf (taskId: string, outputs: readonly Output[], known?: TaskRecord): Promise<Output[] | null> {
    if (!deps.custody || !outputs.length) return null
    const cur = known?.id === taskId ? known : await deps.store.get(taskId)
    if (!cur || isTerminal(cur.status) || (deps.outputPolicy && outputProblem(outputs, deps.outputPolicy))) return null
    return deps.custody.take(taskId, outputs)
  }

  /** Applies what a provider reports (callback, poll or create answer). Duplicates and stale reports change nothing. */
  async function applyUpstream (taskId: string, report: UpstreamReport, source: TaskSource, known?: TaskRecord): Promise<{ task: TaskRecord, changed: boolean }> {
    const { status } = report
    const outputs = report.outputs ?? []
    const copied = status === 'succeeded' ? await custodyOf(taskId, outputs, known) : null
    const result = await mutate(taskId, (cur) => {
      const moved = advance(cur, { status, progress: report.progress })
      if (!moved) return null
      const next = { ...cur, ...moved, upstreamTaskId: cur.upstreamTaskId ?? report.upstreamTaskId ?? null }
      if (moved.status === 'succeeded') {
        if (!outputs.length) return { next: { ...next, status: 'failed', error: { code: 'BFF_ERR_TASK_BAD_RESULT', message: 'The gateway reported success without a usable result' } }, emit: true }
        const problem = deps.outputPolicy ? outputProblem(outputs, deps.outputPolicy) : null
        if (problem) {
          // The capability and the reason, never the URL: its query may carry a signature.
          deps.log.warn({ taskId, capability: cur.capability, source, reason: problem }, 'result URL refused')
          return { next: { ...next, status: 'failed', error: { code: 'BFF_ERR_TASK_BAD_RESULT', message: 'The gateway reported a result URL that is not allowed' } }, emit: true }
        }
        const same = copied?.length === outputs.length && copied.every((c, i) => { const o = outputs[i]; return isFileOutput(c) && o !== undefined && isFileOutput(o) && c.sourceUrl === o.url })
        return { next: { ...next, outputs: same ? copied : [...outputs] }, emit: true }
      }
      const code = END_ERRORS[moved.status]
      if (code) return { next: { ...next, error: report.error ?? { code, message: ERRORS[code].message } }, emit: true }
      return { next, emit: true }
    }, source, known)
    deps.log.info({ taskId, source, reported: report.status, status: result.task.status, changed: result.changed }, 'upstream report applied')
    return result
  }

  /** Cancels an unfinished task; a finished one is left alone (the caller tells the two apart). */
  async function cancel (taskId: string, by: string, known?: TaskRecord): Promise<{ task: TaskRecord, changed: boolean }> {
    const result = await mutate(taskId, (cur) => {
      const moved = advance(cur, { status: 'canceled' })
      return moved ? { next: { ...cur, ...moved, error: { code: 'BFF_ERR_TASK_CANCELED', message: `Canceled by ${by}` } }, emit: true } : null
    }, 'cancel', known)
    deps.log.info({ taskId, status: result.task.status, changed: result.changed }, 'cancel applied')
    return result
  }

  /** Bookkeeping that clients do not see (upstream id, reconciler schedule, a resend's callback token): no event. */
  async function annotate (taskId: string, fields: Partial<Pick<TaskRecord, 'upstreamTaskId' | 'nextCheckAt' | 'checkAttempts' | 'callbackTokenHash'>>, when: (cur: TaskRecord) => boolean = () => true, known?: TaskRecord): Promise<{ task: TaskRecord, changed: boolean }> {
    return mutate(taskId, (cur) => when(cur) ? { next: { ...cur, ...fields }, emit: false } : null, 'reconciler', known)
  }

  return { publish, mutate, end, applyUpstream, cancel, annotate }
}

export type Transitions = ReturnType<typeof createTransitions>
