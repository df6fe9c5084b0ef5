import { setTimeout as sleep } from 'node:timers/promises'
import { BffError } from '../errors.ts'
import type { Observer } from '../observability/observer.ts'
import type { CallbackReport, Provider } from '../providers/types.ts'
import { UpstreamIdTakenError, type TaskStore } from '../store/types.ts'
import type { TaskRecord } from './model.ts'
import type { Logger } from './service.ts'
import { isTerminal } from './state-machine.ts'
import type { Transitions } from './transitions.ts'

export interface CallbackDeps {
  store: TaskStore
  transitions: Transitions
  log: Logger
  observer: Observer
  now: () => Date
  verifyCallbacks: boolean
  /** Creates awaiting the provider's answer on this instance (see create.ts). */
  pending: Map<string, Promise<unknown>>
  /**
   * With several instances: how long a callback waits for another instance to record the
   * upstream id, and how long after its creation a task may still have a create in flight
   * somewhere. Both 0 with one instance, where no pending create means none anywhere.
   */
  holdMs: number
  createWindowMs: number
}

const invalid = (observer: Observer, message: string): BffError => {
  observer.callback('rejected')
  return new BffError('BFF_ERR_WEBHOOK_INVALID', message)
}

/**
 * Applies a callback whose URL token matched. The token proves the URL came from us, not that the
 * body came from the gateway, so:
 * - the upstream id must be the one recorded for the task. While none is recorded, the callback
 *   waits for the create answer (that is the usual race: the gateway calls back first) and is then
 *   checked against it. Only when no create can still be in flight (the BFF stopped before it
 *   heard the answer) is the callback's id adopted, and the store refuses an id already bound to
 *   another task;
 * - with verification on and a provider whose callbacks are unsigned (`confirmCallbacks`), the
 *   body only triggers a read with the provider's `get`, whose answer is applied; an id to adopt
 *   must be one the provider knows, echoing our task id if it echoes any.
 */
export function createCallbackHandler (deps: CallbackDeps) {
  const { observer } = deps

  async function withRecordedUpstream (task: TaskRecord): Promise<TaskRecord> {
    if (task.upstreamTaskId || isTerminal(task.status)) return task
    const pending = deps.pending.get(task.id)
    if (pending) {
      await pending.catch(() => {})
      return await deps.store.get(task.id) ?? task
    }
    let current = task
    const until = deps.now().getTime() + deps.holdMs
    for (let delay = 50; !current.upstreamTaskId && !isTerminal(current.status) && deps.now().getTime() < until; delay = Math.min(delay * 2, 500)) {
      await sleep(delay)
      current = await deps.store.get(task.id) ?? current
    }
    return current
  }

  return async function applyCallback (task: TaskRecord, callback: CallbackReport, provider: Pick<Provider, 'get' | 'confirmCallbacks'>): Promise<{ task: TaskRecord, changed: boolean }> {
    if (callback.customId && callback.customId !== task.id) throw invalid(observer, 'The callback is for a different task')
    const current = await withRecordedUpstream(task)
    const recorded = current.upstreamTaskId
    const upstreamTaskId = callback.upstreamTaskId ?? callback.report.upstreamTaskId
    if (!upstreamTaskId) throw invalid(observer, 'The callback names no upstream task')
    if (recorded && upstreamTaskId !== recorded) throw invalid(observer, 'The callback is for a different upstream task')
    if (!recorded && !isTerminal(current.status) && deps.now().getTime() < Date.parse(current.createdAt) + deps.createWindowMs) {
      throw new BffError('BFF_ERR_WEBHOOK_EARLY')
    }
    const confirm = deps.verifyCallbacks && provider.confirmCallbacks
    let report = { ...callback.report, upstreamTaskId }
    if (confirm) {
      const confirmed = await provider.get(upstreamTaskId, { id: task.id, capability: task.capability })
      if (!recorded && confirmed.customId !== undefined && confirmed.customId !== task.id) throw invalid(observer, 'The gateway does not know this upstream task as ours')
      if (confirmed.status !== callback.report.status) {
        deps.log.warn({ taskId: task.id, callbackStatus: callback.report.status, gatewayStatus: confirmed.status }, 'callback disagrees with the gateway; applying the gateway\'s status')
      }
      report = { ...confirmed, upstreamTaskId }
    }
    try {
      const result = await deps.transitions.applyUpstream(task.id, report, 'callback', confirm ? undefined : current)
      observer.callback(result.changed ? 'accepted' : 'duplicate')
      if (!recorded && result.changed) deps.log.warn({ taskId: task.id, upstreamTaskId }, 'upstream id adopted from a callback')
      return result
    } catch (err) {
      if (err instanceof UpstreamIdTakenError) throw invalid(observer, 'The upstream task is bound to another task')
      throw err
    }
  }
}
