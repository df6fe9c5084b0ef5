import type { BaseLogger } from 'pino'
import type { EventBus } from '../bus/types.ts'
import type { Leases } from '../coordination/lease.ts'
import { BffError } from '../errors.ts'
import { NOOP_OBSERVER, type Observer } from '../observability/observer.ts'
import type { ProviderSet } from '../providers/set.ts'
import type { Preflight } from '../security/preflight.ts'
import type { UploadReferences } from '../uploads/references.ts'
import type { UrlPolicy } from '../security/url-policy.ts'
import type { EventLog, ListQuery, StoredEvent, TaskStore } from '../store/types.ts'
import { createCallbackHandler } from './callbacks.ts'
import { tokenMatches } from './callback-token.ts'
import type { CapabilityDefinition } from './capabilities/types.ts'
import { createTaskCreator } from './create.ts'
import { createProgressTasks } from './progress-port.ts'
import { createReconcilerTasks } from './reconciler-port.ts'
import type { Metadata, MetadataLimits } from './metadata.ts'
import { createResender } from './resend.ts'
import { resumeAfter, type ResumeGap, type ResumeOptions } from './resume.ts'
import { createSender } from './send.ts'
import { toPublicTask, type Task, type TaskEvent, type TaskRecord } from './model.ts'
import type { SchedulePolicy } from './schedule.ts'
import { createSyncRunner } from './sync-runner.ts'
import { createTransitions, type TransitionDeps } from './transitions.ts'

export type Logger = Pick<BaseLogger, 'info' | 'warn' | 'error' | 'debug'>

export interface TaskServiceDeps {
  store: TaskStore
  events: EventLog
  bus: EventBus
  providers: Pick<ProviderSet, 'get'>
  /** Base URL providers use to reach /webhooks/<provider>. */
  publicUrl: string
  log: Logger
  /** Unfinished tasks one owner may have at once. */
  maxActivePerOwner: number
  /** Confirm unsigned callbacks with the provider's `get` before applying them. */
  verifyCallbacks: boolean
  /** Several instances: see CallbackDeps; 0 (the default) with one. */
  callbackHoldMs?: number
  createWindowMs?: number
  /** The longest a create can be in flight, in every mode: an unbound task older than this is resent once (see resend.ts). */
  sendWindowMs?: number
  /** Shared with the reconciler, so a retry's resend and the reconciler's never overlap. */
  leases?: Leases
  leaseMs?: number
  /** Which input URLs are acceptable at all. */
  urlPolicy: UrlPolicy
  /** Which result URLs may reach clients (from callbacks and the result endpoint alike). */
  outputPolicy?: UrlPolicy
  /** Copies outputs into the media store before a success is written. */
  custody?: TransitionDeps['custody']
  /** When set, input files are checked for reachability, type and size before credits are spent. */
  preflight?: Preflight | undefined
  uploads?: UploadReferences | undefined
  /** Hosts a create may name in its own webhook URL (WEBHOOK_ALLOW_HOSTS). */
  webhookAllowHosts?: readonly string[]
  /** Size limits of a create's metadata (METADATA_*); the defaults without. */
  metadataLimits?: MetadataLimits
  schedule: SchedulePolicy
  idempotencyTtlMs: number
  createRetries: number
  observer?: Observer
  now?: () => Date
  /** The background runner of synchronous providers' calls (see src/tasks/sync-runner.ts). */
  sync?: {
    concurrencyOf: (providerId: string) => number
    maxQueued: number
    /** How long shutdown waits for the calls in flight before leaving their tasks to the reconciler. */
    drainMs: number
  }
}

export type { ResumeGap } from './resume.ts'

/** Stored events, a page at a time: what a stream replays. */
export type ReplayPages = AsyncIterable<StoredEvent[]> | Iterable<StoredEvent[]>

export type OwnerStreamStart =
  | { kind: 'snapshot', events: TaskEvent[], lastId: number, reset: ResumeGap | false }
  | { kind: 'replay', pages: ReplayPages }

export type TaskService = ReturnType<typeof createTaskService>

/** The provider that serves a task: recorded with it, so a capability that moves never strands a task. */
export function providerOf (task: Pick<TaskRecord, 'provider'>): string {
  return task.provider
}

/**
 * The one owner of the task state machine. Routes, the webhook and the reconciler go through it
 * (or through its transitions); nothing else writes the store or publishes on the bus.
 */
export function createTaskService (deps: TaskServiceDeps) {
  const now = deps.now ?? (() => new Date())
  const observer = deps.observer ?? NOOP_OBSERVER
  const transitions = createTransitions({ store: deps.store, bus: deps.bus, log: deps.log, observer, now, outputPolicy: deps.outputPolicy, custody: deps.custody })
  const pending = new Map<string, Promise<unknown>>()
  // Its outcome takes the path callbacks take: one report application, the usual events.
  const syncRunner = createSyncRunner({
    concurrencyOf: deps.sync?.concurrencyOf ?? (() => 1),
    maxQueued: deps.sync?.maxQueued ?? 100,
    onStart: async (taskId) => { await transitions.applyUpstream(taskId, { status: 'processing' }, 'create') },
    apply: async (taskId, report) => { await transitions.applyUpstream(taskId, report, 'create') },
    log: deps.log
  })
  const sender = createSender({ ...deps, transitions })
  const resender = createResender({
    ...deps,
    transitions,
    sender,
    now,
    pending,
    sendWindowMs: deps.sendWindowMs ?? Infinity,
    leaseMs: deps.leaseMs ?? 60_000,
    // A synchronous provider's call waiting in the runner is in flight, however long it waits.
    busy: (taskId) => syncRunner.has(taskId)
  })
  const createTask = createTaskCreator({ ...deps, transitions, sender, resender, observer, now, pending, syncRunner })
  const handleCallback = createCallbackHandler({
    ...deps, transitions, observer, now, pending, holdMs: deps.callbackHoldMs ?? 0, createWindowMs: deps.createWindowMs ?? 0
  })

  // Writes still running when the server closes (a create whose client went away, a callback) are
  // awaited before the store closes under them.
  const inflight = new Set<Promise<unknown>>()
  function track<T> (work: Promise<T>): Promise<T> {
    inflight.add(work)
    const done = (): void => { inflight.delete(work) }
    work.then(done, done)
    return work
  }

  async function get (owner: string, id: string): Promise<TaskRecord> {
    const task = await deps.store.get(id)
    // Another owner's task is indistinguishable from a missing one.
    if (!task || task.owner !== owner) throw new BffError('BFF_ERR_TASK_NOT_FOUND')
    return task
  }

  /** A callback at /webhooks/<providerId> whose token matched `task`: read by the task's provider, then applied. */
  async function applyCallback (task: TaskRecord, providerId: string, body: unknown): Promise<{ task: Task, changed: boolean }> {
    if (providerOf(task) !== providerId) {
      observer.callback('rejected')
      throw new BffError('BFF_ERR_WEBHOOK_INVALID', 'The callback came to another provider\'s webhook')
    }
    const provider = deps.providers.get(providerId)
    const result = await handleCallback(task, provider.parseCallback(body, { id: task.id, capability: task.capability }), provider)
    return { task: toPublicTask(result.task), changed: result.changed }
  }

  return {
    transitions,
    /** For the reconciler, its only way to read and change tasks (resending a task never confirmed included). */
    reconciliation: createReconcilerTasks(deps.store, transitions, resender),
    /** For progress polls of watched tasks (src/progress). */
    progress: createProgressTasks(deps.store, transitions),
    /** Creates a task; with an idempotency key, a repeat of the same request answers the original task. */
    async create (owner: string, def: CapabilityDefinition, input: Record<string, unknown>, idempotencyKey?: string, webhookUrl?: string, metadata?: Metadata): Promise<{ task: Task, replayed: boolean }> {
      const { task, replayed } = await track(createTask(owner, def, input, idempotencyKey, webhookUrl, metadata))
      return { task: toPublicTask(task), replayed }
    },
    applyCallback: (task: TaskRecord, providerId: string, body: unknown) => track(applyCallback(task, providerId, body)),
    /** Resolves when the writes in progress have finished (or failed). */
    async drain (): Promise<void> {
      if (!await syncRunner.close(deps.sync?.drainMs ?? 5_000)) deps.log.warn({ sync: syncRunner.stats() }, 'background calls still running at shutdown; their tasks are left to the reconciler')
      while (inflight.size) await Promise.allSettled([...inflight])
    },
    get: async (owner: string, id: string) => toPublicTask(await get(owner, id)),
    /**
     * Cancels the owner's unfinished task; a repeat answers the canceled task. Later callbacks and
     * reconciler reports find a terminal state and change nothing.
     */
    async cancel (owner: string, id: string): Promise<Task> {
      const { task } = await track(get(owner, id).then((known) => transitions.cancel(id, `the owner (${owner})`, known)))
      if (task.status !== 'canceled') throw new BffError('BFF_ERR_TASK_FINISHED')
      return toPublicTask(task)
    },
    /** The task when `token` is its callback token; null otherwise, with the same cost either way. */
    async authorizeCallback (taskId: string | undefined, token: string | undefined): Promise<TaskRecord | null> {
      // The callback writes next, so its read shares the write batch (see TaskStore.getForWrite).
      const task = taskId ? await (deps.store.getForWrite ? deps.store.getForWrite(taskId) : deps.store.get(taskId)) : undefined
      const ok = tokenMatches(token, task?.callbackTokenHash)
      if (!ok) observer.callback('rejected')
      return ok ? task ?? null : null
    },
    async list (query: ListQuery) {
      const page = await deps.store.list(query)
      return { items: page.items.map(toPublicTask), nextCursor: page.nextCursor }
    },
    /**
     * For SSE, once ownership is checked (`get`): what a per-task stream starts with: the missed
     * events, or (fresh, or resuming where history is gone) the task's newest event, flagged as a reset.
     */
    async taskStreamStart (owner: string, taskId: string, lastEventId: number | undefined, resume: ResumeOptions = {}): Promise<{ pages: ReplayPages, latest: TaskEvent | undefined, reset: boolean }> {
      const latest = await deps.events.latest(taskId)
      if (lastEventId !== undefined) {
        const start = await resumeAfter(resume.log ?? deps.events, { owner, taskId }, lastEventId, resume.maxEvents)
        if (start.gap === undefined) return { pages: start.pages, latest, reset: false }
      }
      const stored = latest ? [{ id: latest.id, type: latest.type, data: JSON.stringify(latest.task) }] : []
      return { pages: [stored], latest, reset: lastEventId !== undefined }
    },
    /** For SSE: the missed events page by page, or a snapshot of the unfinished tasks (flagged as a reset when history was lost). */
    async ownerStreamStart (owner: string, lastEventId: number | undefined, resume: ResumeOptions = {}): Promise<OwnerStreamStart> {
      if (lastEventId === undefined) return { kind: 'snapshot', ...await deps.events.snapshot(owner), reset: false }
      const start = await resumeAfter(resume.log ?? deps.events, { owner }, lastEventId, resume.maxEvents)
      if (start.gap !== undefined) return { kind: 'snapshot', ...await deps.events.snapshot(owner), reset: start.gap }
      return { kind: 'replay', pages: start.pages }
    }
  }
}
