import { setTimeout as sleep } from 'node:timers/promises'
import { GatewayError } from '../gateway/errors.ts'
import type { GuardedProvider } from '../gateway/breaker.ts'
import type { CreateOutcome, CreateRequest } from '../providers/types.ts'
import type { TaskRecord } from './model.ts'
import type { Logger } from './service.ts'
import type { Transitions } from './transitions.ts'

export interface SendDeps {
  transitions: Transitions
  log: Logger
  /** Base URL providers use to reach /webhooks/<provider>. */
  publicUrl: string
  /** Extra attempts for creates that certainly never reached the gateway. */
  createRetries: number
}

/** The one way a task is sent upstream and bound to its upstream id: used by the create and by the resend of a task never sent. */
export function createSender (deps: SendDeps) {
  /** Only failures that prove the request never left are retried: anything else may have been charged. */
  async function send (provider: GuardedProvider, req: CreateRequest): Promise<CreateOutcome> {
    const { taskId } = req
    for (let attempt = 0; ; attempt++) {
      try {
        return await provider.create(req)
      } catch (err) {
        // The open circuit answers at once and will still be open after a few hundred ms: no retry.
        if (!(err instanceof GatewayError) || err.sent || err.code === 'BFF_ERR_UPSTREAM_CIRCUIT_OPEN' || attempt >= deps.createRetries) throw err
        deps.log.warn({ taskId, attempt: attempt + 1, code: err.code }, 'create did not reach the gateway; retrying')
        await sleep(200 * 2 ** attempt)
      }
    }
  }

  function requestFor (provider: GuardedProvider, task: Pick<TaskRecord, 'id' | 'capability' | 'owner' | 'deadlineAt'>, input: Record<string, unknown>, token: string): CreateRequest {
    return {
      taskId: task.id,
      capability: task.capability,
      owner: task.owner,
      input,
      deadlineAt: task.deadlineAt,
      ...(provider.delivery === 'callback' ? { callbackUrl: `${deps.publicUrl}/webhooks/${provider.id}?task=${encodeURIComponent(task.id)}&token=${token}` } : {})
    }
  }

  /**
   * Sends and records the upstream id, moving the task's first check to `checkAt` (the send
   * window's early check is no longer needed). Any gateway failure fails the task with its code:
   * an ambiguous one may have been charged, so it is never sent again. `known`, the row as the
   * caller just wrote it, saves re-reading it; if it went stale meanwhile the bind's
   * compare-and-set fails once and re-reads.
   */
  async function bindUpstream (provider: GuardedProvider, req: CreateRequest, checkAt: number, known?: TaskRecord): Promise<TaskRecord> {
    const { taskId, capability } = req
    let outcome: CreateOutcome
    try {
      outcome = await send(provider, req)
    } catch (err) {
      if (err instanceof GatewayError) {
        deps.log.warn({ err, taskId, upstreamStatus: err.upstreamStatus, upstreamCode: err.upstreamCode, upstreamMessage: err.upstreamMessage }, 'upstream create failed')
        await deps.transitions.end(taskId, 'failed', err.code, err.message, 'create')
        err.taskId = taskId
      }
      throw err
    }
    // A synchronous provider answers with the result itself.
    if ('report' in outcome) return (await deps.transitions.applyUpstream(taskId, outcome.report, 'create')).task
    const { upstreamTaskId } = outcome
    const { task } = await deps.transitions.annotate(taskId, { upstreamTaskId, nextCheckAt: checkAt }, (cur) => cur.upstreamTaskId === null, known)
    if (task.upstreamTaskId !== upstreamTaskId) deps.log.error({ taskId, upstreamTaskId }, 'task already bound to another upstream task')
    else deps.log.info({ taskId, upstreamTaskId, capability }, 'task created upstream')
    return task
  }

  return { send, requestFor, bindUpstream }
}

export type Sender = ReturnType<typeof createSender>
