import { LOCAL_LEASES, type Leases } from '../coordination/lease.ts'
import type { ProviderSet } from '../providers/set.ts'
import type { TaskStore } from '../store/types.ts'
import type { UploadReferences } from '../uploads/references.ts'
import { newCallbackToken } from './callback-token.ts'
import { findCapability } from './capabilities/index.ts'
import type { TaskRecord } from './model.ts'
import { firstCheckFor, type SchedulePolicy } from './schedule.ts'
import type { Sender } from './send.ts'
import { providerOf, type Logger } from './service.ts'
import { isTerminal } from './state-machine.ts'
import type { Transitions } from './transitions.ts'

export interface ResendDeps {
  store: TaskStore
  providers: Pick<ProviderSet, 'get'>
  transitions: Transitions
  sender: Sender
  log: Logger
  now: () => Date
  schedule: SchedulePolicy
  /** The longest a create can be in flight: a task still unbound after this was never sent (or its answer was lost). */
  sendWindowMs: number
  pending: Map<string, Promise<unknown>>
  /** True while another part of this process still holds the task's send (a synchronous call waiting in the runner). */
  busy?: ((taskId: string) => boolean) | undefined
  uploads?: UploadReferences | undefined
  leases?: Leases | undefined
  leaseMs: number
}

/**
 * A task recorded `queued` whose create never reached the gateway (the store's reply was lost, or
 * the BFF died between the commit and the send) is sent once more, under the same task id, when
 * its send window has passed; the reconciler and a client retry with the same key both come here.
 */
export function createResender (deps: ResendDeps) {
  const leases = deps.leases ?? LOCAL_LEASES
  // One process: the reconciler and a retry meet here (the local leases do not exclude).
  const inProcess = new Map<string, Promise<TaskRecord>>()

  function due (task: TaskRecord): boolean {
    return task.upstreamTaskId === null && !isTerminal(task.status) && !deps.pending.has(task.id) && !(deps.busy?.(task.id) ?? false) &&
      deps.now().getTime() >= Date.parse(task.createdAt) + deps.sendWindowMs
  }

  async function resend (known: TaskRecord): Promise<TaskRecord> {
    const task = await deps.store.get(known.id)
    if (!task || !due(task)) return task ?? known
    const provider = deps.providers.get(providerOf(task))
    const found = await provider.recover?.(task.id)
    if (found) {
      const { task: bound } = await deps.transitions.annotate(task.id, { upstreamTaskId: found }, (cur) => cur.upstreamTaskId === null)
      deps.log.warn({ taskId: task.id, upstreamTaskId: bound.upstreamTaskId }, 'upstream id recovered from the provider')
      return bound
    }
    const def = findCapability(task.capability)
    const input = def && deps.uploads ? (await deps.uploads.resolve(task.owner, def.media, task.input)).input : task.input
    // A fresh token: the one in the lost create's URL is unknown here (only its hash is stored).
    const { token, hash } = newCallbackToken()
    await deps.transitions.annotate(task.id, { callbackTokenHash: hash }, (cur) => cur.upstreamTaskId === null && !isTerminal(cur.status))
    deps.log.warn({ taskId: task.id, capability: task.capability }, 'task never confirmed by the gateway within its send window: resending it once')
    const checkAt = firstCheckFor(provider.delivery, def?.typicalSeconds ?? { min: 0, max: 0 }, deps.now().getTime(), task.deadlineAt, deps.schedule)
    // Like a create, in flight until bound: a callback that beats the bind waits for it.
    const bound = deps.sender.bindUpstream(provider, deps.sender.requestFor(provider, task, input, token), checkAt)
    deps.pending.set(task.id, bound)
    try {
      return await bound
    } finally {
      deps.pending.delete(task.id)
    }
  }

  /** For the caller that already holds the task's reconcile lease. */
  function underLease (task: TaskRecord): Promise<TaskRecord> {
    const running = inProcess.get(task.id)
    if (running) return running
    const work = resend(task).finally(() => inProcess.delete(task.id))
    inProcess.set(task.id, work)
    return work
  }

  return {
    due,
    underLease,
    /** For a client retry: takes the reconciler's lease, so the two never both send; the task as it is when another instance holds it. */
    async ifDue (task: TaskRecord): Promise<TaskRecord> {
      if (!due(task)) return task
      const running = inProcess.get(task.id)
      if (running) return running
      const key = `reconcile:${task.id}`
      if (!await leases.acquire(key, deps.leaseMs)) return task
      try {
        return await underLease(task)
      } finally {
        await leases.release(key)
      }
    }
  }
}

export type Resender = ReturnType<typeof createResender>
