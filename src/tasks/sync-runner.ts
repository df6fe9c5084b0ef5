import { ERRORS, isBffError } from '../errors.ts'
import type { CreateOutcome, CreateRequest, UpstreamReport } from '../providers/types.ts'
import type { Logger } from './service.ts'

/** One create call to run in the background: the provider and the request the create flow built. */
export interface SyncJob {
  provider: { readonly id: string, create: (req: CreateRequest) => Promise<CreateOutcome> }
  request: CreateRequest
}

export interface SyncRunnerOptions {
  /** Calls one provider may have in flight at once (its `<PROVIDER>_CONCURRENCY`). */
  concurrencyOf: (providerId: string) => number
  /** Jobs waiting for a slot, all providers together; beyond it submit answers 'full'. */
  maxQueued: number
  /** Hands the outcome to the task service (its report application). Must be idempotent. */
  apply: (taskId: string, report: UpstreamReport) => Promise<void>
  /** Called when the call starts, after the wait for a slot (the task can move to processing). */
  onStart?: ((taskId: string) => Promise<void>) | undefined
  /** Further attempts when apply throws (the store is briefly down). Default 3. */
  applyRetries?: number
  /** Wait before the first further attempt, doubled each time. Default 500. */
  applyRetryDelayMs?: number
  log: Pick<Logger, 'warn' | 'error'>
  now?: () => number
}

export type SubmitResult = 'accepted' | 'duplicate' | 'full' | 'closed'

/**
 * Runs the create calls of synchronous providers (EdrawMax answers with the finished result) off
 * the request path: the client has its 202 before the call starts, nothing here is tied to the
 * client's connection, and each provider has its own bound so a slow one cannot hold every slot.
 * What is waiting or in flight lives in this process only; after a restart the reconciler finds
 * those tasks queued without an upstream id (see the report of issue 14 for the proposed rule).
 */
export function createSyncRunner (opts: SyncRunnerOptions) {
  const now = opts.now ?? Date.now
  const applyRetries = opts.applyRetries ?? 3
  const applyRetryDelayMs = opts.applyRetryDelayMs ?? 500
  const running = new Map<string, number>()
  const waiting = new Map<string, SyncJob[]>()
  const known = new Set<string>()
  const settled = new Set<() => void>()
  let queued = 0
  let closed = false

  function submit (job: SyncJob): SubmitResult {
    if (closed) return 'closed'
    const id = job.request.taskId
    if (known.has(id)) return 'duplicate'
    const lane = job.provider.id
    if ((running.get(lane) ?? 0) >= opts.concurrencyOf(lane)) {
      if (queued >= opts.maxQueued) return 'full'
      known.add(id)
      queued++
      waiting.set(lane, [...(waiting.get(lane) ?? []), job])
      return 'accepted'
    }
    known.add(id)
    start(job)
    return 'accepted'
  }

  function start (job: SyncJob): void {
    const lane = job.provider.id
    running.set(lane, (running.get(lane) ?? 0) + 1)
    void run(job).finally(() => {
      running.set(lane, (running.get(lane) ?? 1) - 1)
      known.delete(job.request.taskId)
      const next = waiting.get(lane)?.shift()
      if (next) {
        queued--
        start(next)
      }
      if (running.get(lane) === 0) running.delete(lane)
      for (const wake of settled) wake()
    })
  }

  async function run (job: SyncJob): Promise<void> {
    const { taskId, deadlineAt } = job.request
    let report: UpstreamReport
    if (now() >= deadlineAt) {
      report = { status: 'timed_out', error: { code: 'BFF_ERR_TASK_TIMED_OUT', message: 'The task waited past its deadline before the provider could be called' } }
    } else {
      // Showing processing is a courtesy: if it cannot be recorded, the call still goes ahead.
      await opts.onStart?.(taskId).catch((err: unknown) => { opts.log.warn({ taskId, err }, 'could not mark the task processing') })
      try {
        report = toReport(await job.provider.create(job.request))
      } catch (err) {
        report = failureReport(err)
        const log = isBffError(err) ? opts.log.warn : opts.log.error
        log.call(opts.log, { taskId, provider: job.provider.id, err }, 'background create failed')
      }
    }
    await applyWithRetries(taskId, report)
  }

  async function applyWithRetries (taskId: string, report: UpstreamReport): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await opts.apply(taskId, report)
        return
      } catch (err) {
        if (attempt >= applyRetries) {
          // The task stays queued in the store; the reconciler's rule for such tasks takes over.
          opts.log.error({ taskId, status: report.status, err }, 'background create outcome could not be recorded')
          return
        }
        await new Promise((resolve) => setTimeout(resolve, applyRetryDelayMs * 2 ** attempt))
      }
    }
  }

  return {
    submit,
    /**
     * Whether a submit for this provider would be taken now: checked before a task is recorded, so
     * a full runner answers 503 without leaving a task behind.
     */
    hasRoom: (providerId: string) => !closed && ((running.get(providerId) ?? 0) < opts.concurrencyOf(providerId) || queued < opts.maxQueued),
    /** The task's call is waiting or in flight in this process. */
    has: (taskId: string) => known.has(taskId),
    stats: () => ({ running: Object.fromEntries(running), queued }),
    /**
     * Stops taking jobs and waits up to `timeoutMs` for the calls in flight; jobs still waiting are
     * dropped (their tasks stay queued for the reconciler). True when everything in flight finished.
     */
    async close (timeoutMs: number): Promise<boolean> {
      closed = true
      for (const jobs of waiting.values()) for (const job of jobs.splice(0)) known.delete(job.request.taskId)
      queued = 0
      const idle = () => running.size === 0
      if (idle()) return true
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => { settled.delete(check); resolve(false) }, timeoutMs)
        const check = () => {
          if (!idle()) return
          clearTimeout(timer)
          settled.delete(check)
          resolve(true)
        }
        settled.add(check)
      })
    }
  }
}

export type SyncRunner = ReturnType<typeof createSyncRunner>

function toReport (outcome: CreateOutcome): UpstreamReport {
  // A provider that turned out asynchronous: the task waits for its callback or poll like any other.
  if ('upstreamTaskId' in outcome) return { status: 'processing', upstreamTaskId: outcome.upstreamTaskId }
  return outcome.report
}

function failureReport (err: unknown): UpstreamReport {
  // A BffError's message is written to be shown to clients; anything else is our bug.
  if (isBffError(err)) return { status: 'failed', error: { code: err.code, message: err.message } }
  return { status: 'failed', error: { code: 'BFF_ERR_INTERNAL', message: ERRORS.BFF_ERR_INTERNAL.message } }
}
