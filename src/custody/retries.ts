import type { Leases } from '../coordination/lease.ts'
import type { MediaStore } from '../media/types.ts'
import type { TaskStore } from '../store/types.ts'
import { isFileOutput, type Output } from '../tasks/model.ts'
import type { Logger } from '../tasks/service.ts'
import type { Transitions } from '../tasks/transitions.ts'
import type { Custody } from './custody.ts'
import { RETRY_PREFIX, retryKey } from './keys.ts'

export interface RetryQueueDeps {
  media: MediaStore
  /** First wait; doubled after each failed attempt, up to MAX_DELAY_MS. */
  retryMs: number
  maxAttempts: number
  now: () => number
}

export interface RetryRunDeps {
  custody: Custody
  store: Pick<TaskStore, 'get'>
  transitions: Pick<Transitions, 'mutate'>
  leases: Leases
  log: Logger
}

const MAX_DELAY_MS = 6 * 3_600_000
const LEASE_MS = 10 * 60_000
const custodyOf = (o: Output | undefined) => o !== undefined && isFileOutput(o) ? o.custody : undefined
const owed = (o: Output): boolean => custodyOf(o)?.status === 'failed' && custodyOf(o)?.retrying === true

/**
 * Failed copies owed a retry, kept as small objects in the media store beside the copies
 * themselves: durable on disk and in S3 alike, so a restart (or another instance) picks them up.
 */
export function createRetryQueue (deps: RetryQueueDeps) {
  async function schedule (taskId: string, attempts: number): Promise<void> {
    const nextAt = deps.now() + Math.min(MAX_DELAY_MS, deps.retryMs * 2 ** attempts)
    await deps.media.put(retryKey(taskId), Buffer.from(taskId), {
      contentType: 'text/plain',
      maxBytes: 1024,
      expiresAt: null,
      meta: { attempts: String(attempts), nextAt: String(nextAt) }
    })
  }

  async function attempt (run: RetryRunDeps, taskId: string, attempts: number): Promise<void> {
    const task = await run.store.get(taskId)
    if (!task || task.status !== 'succeeded' || !task.outputs.some(owed)) {
      await deps.media.delete(retryKey(taskId))
      return
    }
    const outputs = await run.custody.retry(taskId, task.outputs, attempts + 1 >= deps.maxAttempts)
    // Only an output that got its copy, or was given up, is news for clients.
    const news = outputs.some((o, i) => custodyOf(o)?.status !== custodyOf(task.outputs[i])?.status || custodyOf(o)?.retrying !== custodyOf(task.outputs[i])?.retrying)
    if (news) {
      await run.transitions.mutate(taskId, (cur) => cur.status === 'succeeded' ? { next: { ...cur, outputs }, emit: true } : null, 'reconciler', task)
      run.log.info({ taskId, stored: outputs.filter((o) => custodyOf(o)?.status === 'stored').length, attempts: attempts + 1 }, 'output copy retried')
    }
    if (outputs.some(owed)) await schedule(taskId, attempts + 1)
    else await deps.media.delete(retryKey(taskId))
  }

  /** One pass over the retries that are due; each is handled by one instance at a time. */
  async function runDue (run: RetryRunDeps): Promise<number> {
    let handled = 0
    for await (const entry of deps.media.list(RETRY_PREFIX)) {
      if (Number(entry.meta.nextAt ?? 0) > deps.now()) continue
      const taskId = entry.key.slice(RETRY_PREFIX.length)
      const lease = `custody:${taskId}`
      if (!await run.leases.acquire(lease, LEASE_MS)) continue
      try {
        await attempt(run, taskId, Number(entry.meta.attempts ?? 0))
        handled++
      } catch (err) {
        run.log.warn({ err, taskId }, 'output copy retry failed')
      } finally {
        await run.leases.release(lease)
      }
    }
    return handled
  }

  return { owe: async (taskId: string) => schedule(taskId, 0), runDue }
}

export type RetryQueue = ReturnType<typeof createRetryQueue>
