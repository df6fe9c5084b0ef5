import type { TaskStatus, Output } from '../../tasks/model.ts'
import type { UpstreamReport } from '../types.ts'
import { JOB_STATE, type Job } from './wire.ts'

/** Tencent's job state (1-5) to ours. ERROR (4) is split into failed and timed_out by jobReport. */
export const TENCENT_STATE: Record<number, TaskStatus> = {
  [JOB_STATE.SUBMITTED]: 'queued',
  [JOB_STATE.PROCESSING]: 'processing',
  [JOB_STATE.COMPLETED]: 'succeeded',
  [JOB_STATE.ERROR]: 'failed',
  [JOB_STATE.CANCELED]: 'canceled'
}

/**
 * Where results can be downloaded: `<base>/<destination>/<file name>`, each path segment encoded.
 * Tencent writes into the caller's storage and names the files; the deployment serves that storage.
 */
export function outputUrl (baseUrl: string, destination: string | undefined, fileName: string): string {
  const segments = [...(destination ?? '/').split('/'), fileName].filter((s) => s !== '' && s !== '.' && s !== '..')
  return `${baseUrl}/${segments.map(encodeURIComponent).join('/')}`
}

function outputsOf (job: Job, baseUrl: string): Output[] {
  const outputs: Output[] = []
  for (const output of job.outputs) {
    for (const r of output.smartContentResult?.imageBgmGeneration ?? []) {
      if (r.songName) outputs.push({ type: 'audio', url: outputUrl(baseUrl, output.destination, r.songName) })
      if (r.videoName) outputs.push({ type: 'video', url: outputUrl(baseUrl, output.destination, r.videoName) })
    }
  }
  return outputs
}

/**
 * The document gives ERROR for both a failure and an expired `timeout` and no field that tells them
 * apart, so an ERROR reached at or after the job's own timeout counts as a timeout.
 */
function timedOut (job: Job): boolean {
  if (job.timeout === undefined || job.timing.createdAt === 0) return false
  const endedAt = job.timing.completedAt || Date.now()
  return endedAt - job.timing.createdAt >= job.timeout * 1000
}

/** One Job in our vocabulary. `outputBaseUrl` turns its file names into URLs. */
export function jobReport (job: Job, outputBaseUrl: string): UpstreamReport {
  const status = TENCENT_STATE[job.state] ?? 'processing'
  const report = jobStateReport(job, status, outputBaseUrl)
  // The echoed customId lets the BFF check, before adopting a callback's job id, that the job is ours.
  return job.customId !== undefined ? { ...report, customId: job.customId } : report
}

function jobStateReport (job: Job, status: TaskStatus, outputBaseUrl: string): UpstreamReport {
  const upstreamTaskId = job.id
  if (status === 'succeeded') {
    const outputs = outputsOf(job, outputBaseUrl)
    if (outputs.length) return { status, progress: 100, outputs, upstreamTaskId }
    return { status: 'failed', upstreamTaskId, error: { code: 'BFF_ERR_TASK_BAD_RESULT', message: 'The generation finished without naming any file' } }
  }
  if (status === 'failed' && timedOut(job)) {
    return { status: 'timed_out', upstreamTaskId, error: { code: 'BFF_ERR_TASK_TIMED_OUT', message: 'The generation timed out upstream' } }
  }
  if (status === 'failed') return { status, upstreamTaskId, error: { code: 'BFF_ERR_TASK_FAILED', message: 'The generation failed upstream' } }
  if (status === 'canceled') return { status, upstreamTaskId, error: { code: 'BFF_ERR_TASK_CANCELED', message: 'The generation was canceled upstream' } }
  return { status, upstreamTaskId }
}
