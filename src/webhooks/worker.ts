import { randomUUID } from 'node:crypto'
import type { Logger } from '../tasks/service.ts'
import type { DeliveryStore, OutboxMessage } from '../store/types.ts'
import { TASK_ENDPOINT, type Endpoint } from './endpoints.ts'
import { payloadOf } from './payload.ts'
import { nextAttemptAt } from './schedule.ts'
import type { AttemptResult, Sender } from './send.ts'

export type Outcome = 'delivered' | 'retrying' | 'failed'

export interface WorkerDeps {
  store: DeliveryStore
  sender: Sender
  endpoints: readonly Endpoint[]
  /** Signs messages to tasks' own webhook URLs; null when those are off. */
  taskSecret: Buffer | null
  retryDelaysMs: readonly number[]
  concurrency: number
  pollMs: number
  /** How long a claimed message is this instance's alone: above the attempt's timeout. */
  leaseMs: number
  log: Logger
  now?: () => number
  onAttempt?: (host: string, outcome: Outcome, result: AttemptResult) => void
}

export interface DeliveryWorker {
  start: () => void
  /** Claims due messages now (after a local write, or a redeliver). */
  wake: () => void
  /** Stops claiming and waits for the attempts in flight (aborted after `graceMs`). */
  stop: (graceMs?: number) => Promise<void>
}

/**
 * Drains the outbox: claims due messages (each leased to this instance), sends them, records each
 * attempt with its next time from the retry schedule. A crash leaves claimed messages leased until
 * the lease runs out, then any instance sends them again with the same id.
 */
export function createDeliveryWorker (deps: WorkerDeps): DeliveryWorker {
  const now = deps.now ?? Date.now
  const byKey = new Map(deps.endpoints.map((e) => [e.key, e]))
  const claimId = randomUUID()
  const inflight = new Set<Promise<void>>()
  const abort = new AbortController()
  let stopped = true
  let timer: NodeJS.Timeout | undefined
  let pumping: Promise<void> | undefined
  let again = false

  function targetOf (m: OutboxMessage): { url: string, secret: Buffer, host: string } | null {
    if (m.endpoint === TASK_ENDPOINT) return m.url && deps.taskSecret ? { url: m.url, secret: deps.taskSecret, host: new URL(m.url).host } : null
    return byKey.get(m.endpoint) ?? null
  }

  async function attempt (m: OutboxMessage): Promise<void> {
    const target = targetOf(m)
    const result: AttemptResult = target
      ? await deps.sender.send(target, m.id, payloadOf(m), abort.signal)
      : { status: null, error: 'endpoint no longer configured', seconds: 0 }
    const at = now()
    const attempts = m.attempts + 1
    const delivered = result.status !== null && result.status >= 200 && result.status < 300
    const next = delivered || !target ? null : nextAttemptAt(deps.retryDelaysMs, attempts, at)
    const outcome: Outcome = delivered ? 'delivered' : next === null ? 'failed' : 'retrying'
    deps.onAttempt?.(target?.host ?? 'removed', outcome, result)
    const log = { deliveryId: m.id, taskId: m.taskId, endpoint: target?.host, attempt: attempts, status: result.status, error: result.error }
    if (outcome === 'failed') deps.log.warn(log, 'webhook delivery given up')
    else if (outcome === 'retrying') deps.log.info({ ...log, nextAttemptAt: next }, 'webhook delivery failed; will retry')
    try {
      const state = delivered ? 'delivered' : next === null ? 'failed' : 'pending'
      const kept = await deps.store.recordAttempt(m.id, claimId, { at, status: result.status, error: result.error, state, nextAttemptAt: next })
      if (!kept) deps.log.debug({ deliveryId: m.id }, 'webhook attempt not recorded: the message was redelivered or re-leased meanwhile')
    } catch (err) {
      // The lease runs out and the message is sent again: at least once, never lost.
      deps.log.warn({ err, deliveryId: m.id }, 'webhook attempt could not be recorded')
    }
  }

  async function pump (): Promise<void> {
    do {
      again = false
      const free = deps.concurrency - inflight.size
      if (stopped || free <= 0) return
      let batch: OutboxMessage[]
      try {
        const at = now()
        batch = await deps.store.claimDeliveries(at, free, at + deps.leaseMs, claimId)
      } catch (err) {
        deps.log.warn({ err }, 'webhook outbox could not be read')
        return
      }
      for (const m of batch) {
        const run = attempt(m).finally(() => {
          inflight.delete(run)
          wake()
        })
        inflight.add(run)
      }
      // A full batch may leave more due: claim again once a slot frees (each finished attempt wakes).
    } while (again)
  }

  function wake (): void {
    if (stopped) return
    if (pumping) { again = true; return }
    pumping = pump().finally(() => {
      pumping = undefined
      if (again) wake()
    })
  }

  function tick (): void {
    wake()
    if (!stopped) timer = setTimeout(tick, deps.pollMs).unref()
  }

  return {
    start () {
      if (!stopped) return
      stopped = false
      tick()
    },
    wake,
    async stop (graceMs = 2_000) {
      stopped = true
      clearTimeout(timer)
      await pumping
      if (inflight.size === 0) return
      const grace = setTimeout(() => abort.abort(), graceMs)
      while (inflight.size) await Promise.allSettled([...inflight])
      clearTimeout(grace)
    }
  }
}
