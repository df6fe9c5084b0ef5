import type { FileOutputType, TaskStatus } from '../../tasks/model.ts'
import type { UpstreamReport } from '../types.ts'
import { resultOutputs } from './results.ts'
import type { ResultData } from './wire.ts'

/** Both of the document's vocabularies, to ours. Anything else is "still running" (see taskReport). */
export const MEDIAIO_STATUS: Readonly<Record<string, TaskStatus>> = {
  waiting: 'queued',
  pending: 'queued',
  processing: 'processing',
  completed: 'succeeded',
  succeeded: 'succeeded',
  failed: 'failed',
  timeout: 'timed_out'
}

export interface ReportContext {
  upstreamTaskId: string
  traceId?: string | undefined
  /** What the model makes, for result URLs that do not say. */
  expected: FileOutputType
  /** Told about a status outside both vocabularies; the report says processing. */
  onUnknownStatus?: (status: string) => void
}

/** One Task Result answer in our vocabulary. */
export function taskReport (data: ResultData, ctx: ReportContext): UpstreamReport {
  const base = { upstreamTaskId: ctx.upstreamTaskId, ...(ctx.traceId ? { traceId: ctx.traceId } : {}) }
  const status = MEDIAIO_STATUS[data.status.trim().toLowerCase()]
  if (status === undefined) {
    ctx.onUnknownStatus?.(data.status)
    return { ...base, status: 'processing' }
  }
  if (status === 'succeeded') {
    const outputs = resultOutputs(data.result, ctx.expected)
    if (outputs.length) return { ...base, status, progress: 100, outputs }
    return { ...base, status: 'failed', error: { code: 'BFF_ERR_TASK_BAD_RESULT', message: 'The generation finished without a downloadable file' } }
  }
  if (status === 'failed') return { ...base, status, error: { code: 'BFF_ERR_TASK_FAILED', message: 'The generation failed upstream' } }
  if (status === 'timed_out') return { ...base, status, error: { code: 'BFF_ERR_TASK_TIMED_OUT', message: 'The generation timed out upstream' } }
  return { ...base, status }
}
