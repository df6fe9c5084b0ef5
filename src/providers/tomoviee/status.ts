import { BffError, ERRORS, type ErrorCode } from '../../errors.ts'
import type { CapabilityDefinition } from '../../tasks/capabilities/types.ts'
import type { TaskStatus } from '../../tasks/model.ts'
import type { UpstreamReport } from '../types.ts'
import { TOMOVIEE_CAPABILITIES } from './capabilities/index.ts'
import { readOutputs } from './outputs.ts'
import type { UpstreamTask } from './types.ts'

/** ToMoviee's numeric task status (1-6) to ours. */
export const UPSTREAM_STATUS: Record<number, TaskStatus> = {
  1: 'queued',
  2: 'processing',
  3: 'succeeded',
  4: 'failed',
  5: 'canceled',
  6: 'timed_out'
}

const END_ERRORS: Partial<Record<TaskStatus, ErrorCode>> = {
  failed: 'BFF_ERR_TASK_FAILED',
  canceled: 'BFF_ERR_TASK_CANCELED',
  timed_out: 'BFF_ERR_TASK_TIMED_OUT'
}

// A read without its task (the contract suite's plain `get`) accepts any result key ToMoviee documents.
const ANY_OUTPUT: Pick<CapabilityDefinition, 'outputs'> = { outputs: TOMOVIEE_CAPABILITIES.flatMap((c) => c.outputs) }

/** One ToMoviee task (callback or result endpoint) in our vocabulary; `def` names its result keys. */
export function tomovieeReport (task: UpstreamTask, def: Pick<CapabilityDefinition, 'outputs'> | undefined, upstreamTaskId: string): UpstreamReport {
  const status = UPSTREAM_STATUS[task.status]
  if (!status) throw new BffError('BFF_ERR_WEBHOOK_INVALID', `Unknown upstream status ${task.status}`)
  const base: UpstreamReport = {
    status,
    upstreamTaskId,
    ...(task.progress !== undefined ? { progress: task.progress } : {}),
    ...(typeof task.params === 'string' ? { customId: task.params } : {})
  }
  if (status === 'succeeded') {
    const outputs = readOutputs(def ?? ANY_OUTPUT, task.result)
    if (outputs) return { ...base, outputs }
    return { ...base, status: 'failed', error: { code: 'BFF_ERR_TASK_BAD_RESULT', message: 'The gateway reported success without a usable result' } }
  }
  const code = END_ERRORS[status]
  if (code) return { ...base, error: { code, message: task.reason?.trim() || ERRORS[code].message } }
  return base
}
