import { randomUUID } from 'node:crypto'
import type { BaseLogger } from 'pino'
import type { EventBus } from '../bus/types.ts'
import { BffError, ERRORS, type ErrorCode } from '../errors.ts'
import { GatewayError } from '../gateway/errors.ts'
import type { CallbackPayload } from '../gateway/schemas.ts'
import type { GatewayClient, UpstreamTask } from '../gateway/types.ts'
import type { EventLog, ListQuery, TaskStore } from '../store/types.ts'
import { findCapability } from './capabilities/index.ts'
import type { CapabilityDefinition } from './capabilities/types.ts'
import { newCallbackToken, tokenMatches } from './callback-token.ts'
import { toPublicTask, type Task, type TaskEvent, type TaskRecord, type TaskStatus } from './model.ts'
import { readOutputs } from './outputs.ts'
import { assertMediaUrls, type UrlPolicy } from '../security/url-policy.ts'
import type { Preflight } from '../security/preflight.ts'
import { advance, UPSTREAM_STATUS } from './state-machine.ts'

export type Logger = Pick<BaseLogger, 'info' | 'warn' | 'error' | 'debug'>

export interface TaskServiceDeps {
  store: TaskStore
  events: EventLog
  bus: EventBus
  gateway: GatewayClient
  /** Base URL the gateway uses to reach /webhooks/tomoviee. */
  publicUrl: string
  log: Logger
  /** Unfinished tasks one owner may have at once. */
  maxActivePerOwner: number
  /** Confirm callbacks with the gateway's result endpoint before applying them. */
  verifyCallbacks: boolean
  /** Which input URLs are acceptable at all. */
  urlPolicy: UrlPolicy
  /** When set, input files are checked for reachability, type and size before credits are spent. */
  preflight?: Preflight | undefined
  now?: () => Date
}

const END_ERRORS: Partial<Record<TaskStatus, ErrorCode>> = {
  failed: 'BFF_ERR_TASK_FAILED',
  canceled: 'BFF_ERR_TASK_CANCELED',
  timed_out: 'BFF_ERR_TASK_TIMED_OUT'
}
const MAX_CAS_ATTEMPTS = 5
const REPLAY_PAGE = 500

export type TaskService = ReturnType<typeof createTaskService>

/**
 * The one owner of the task state machine. Routes, the webhook and (later) the reconciler go
 * through it; nothing else writes the store or publishes on the bus.
 */
export function createTaskService (deps: TaskServiceDeps) {
  const now = deps.now ?? (() => new Date())

  async function publish (event: TaskEvent): Promise<void> {
    try {
      await deps.bus.publish(event)
    } catch (err) {
      // The event is durable already; streams catch up on reconnect through the log.
      deps.log.error({ err, taskId: event.task.id }, 'event publish failed')
    }
  }

  /** Read-modify-write with compare-and-set; `change` returns null for "nothing to do". */
  async function mutate (taskId: string, change: (current: TaskRecord) => { next: Omit<TaskRecord, 'version' | 'updatedAt'>, emit: boolean } | null): Promise<{ task: TaskRecord, changed: boolean }> {
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const current = await deps.store.get(taskId)
      if (!current) throw new BffError('BFF_ERR_TASK_NOT_FOUND')
      const decided = change(current)
      if (!decided) return { task: current, changed: false }
      const next: TaskRecord = { ...decided.next, version: current.version + 1, updatedAt: now().toISOString() }
      const written = await deps.store.update(next, decided.emit)
      if (written === null) continue
      if (written !== true) await publish(written)
      return { task: next, changed: true }
    }
    throw new Error(`task ${taskId}: too many concurrent writers`)
  }

  async function checkInputs (def: CapabilityDefinition, input: Record<string, unknown>): Promise<void> {
    assertMediaUrls(input, Object.keys(def.media), deps.urlPolicy)
    if (!deps.preflight) return
    const issues: { path: string, message: string }[] = []
    await Promise.all(Object.entries(def.media).map(async ([field, kind]) => {
      const url = input[field]
      if (typeof url !== 'string') return
      const problem = await deps.preflight!.check(url, kind)
      if (problem) issues.push({ path: `body.${field}`, message: problem })
    }))
    if (issues.length) throw new BffError('BFF_ERR_INPUT_UNREACHABLE', `${issues[0]!.path}: ${issues[0]!.message}`, { issues })
  }

  async function create (owner: string, def: CapabilityDefinition, input: Record<string, unknown>): Promise<Task> {
    await checkInputs(def, input)
    const { token, hash } = newCallbackToken()
    const at = now().toISOString()
    const record: TaskRecord = {
      id: randomUUID(),
      owner,
      capability: def.name,
      status: 'queued',
      progress: 0,
      input,
      outputs: [],
      error: null,
      upstreamTaskId: null,
      callbackTokenHash: hash,
      createdAt: at,
      updatedAt: at,
      version: 1
    }
    // The row exists before the gateway is called, so a callback that beats the create answer still lands.
    const created = await deps.store.create(record, { maxActive: deps.maxActivePerOwner })
    if (!created) throw new BffError('BFF_ERR_TOO_MANY_ACTIVE_TASKS', `At most ${deps.maxActivePerOwner} unfinished tasks at a time; wait for one to finish`)
    await publish(created)
    const callback = `${deps.publicUrl}/webhooks/tomoviee?task=${encodeURIComponent(record.id)}&token=${token}`
    const body: Record<string, unknown> = { ...(def.toUpstream(input) as Record<string, unknown>), callback, params: record.id }
    let upstreamTaskId: string
    try {
      upstreamTaskId = await deps.gateway.createTask(def.endpoint, body)
    } catch (err) {
      if (err instanceof GatewayError) {
        deps.log.warn({ err, taskId: record.id, upstreamStatus: err.upstreamStatus, upstreamCode: err.upstreamCode, upstreamMessage: err.upstreamMessage }, 'upstream create failed')
        await fail(record.id, err.code, err.message)
        err.taskId = record.id
      }
      throw err
    }
    const { task } = await mutate(record.id, (cur) => cur.upstreamTaskId ? null : { next: { ...cur, upstreamTaskId }, emit: false })
    deps.log.info({ taskId: record.id, upstreamTaskId, capability: def.name }, 'task created upstream')
    return toPublicTask(task)
  }

  async function fail (taskId: string, code: ErrorCode, message: string): Promise<void> {
    await mutate(taskId, (cur) => {
      const moved = advance(cur, { status: 'failed' })
      return moved ? { next: { ...cur, ...moved, error: { code, message } }, emit: true } : null
    })
  }

  async function get (owner: string, id: string): Promise<TaskRecord> {
    const task = await deps.store.get(id)
    // Another owner's task is indistinguishable from a missing one.
    if (!task || task.owner !== owner) throw new BffError('BFF_ERR_TASK_NOT_FOUND')
    return task
  }

  /** Applies what the gateway reports (callback or poll). Duplicates and stale reports change nothing. */
  async function applyUpstream (taskId: string, report: UpstreamTask & { upstreamTaskId?: string }, source: 'callback' | 'poll'): Promise<{ task: Task, changed: boolean }> {
    const status = UPSTREAM_STATUS[report.status]
    if (!status) throw new BffError('BFF_ERR_WEBHOOK_INVALID', `Unknown upstream status ${report.status}`)
    const result = await mutate(taskId, (cur) => {
      const moved = advance(cur, { status, progress: report.progress })
      if (!moved) return null
      const next: Omit<TaskRecord, 'version' | 'updatedAt'> = { ...cur, ...moved, upstreamTaskId: cur.upstreamTaskId ?? report.upstreamTaskId ?? null }
      const def = findCapability(cur.capability)
      if (moved.status === 'succeeded') {
        const outputs = def ? readOutputs(def, report.result) : null
        if (!outputs) return { next: { ...next, status: 'failed', error: { code: 'BFF_ERR_TASK_BAD_RESULT', message: 'The gateway reported success without a usable result' } }, emit: true }
        return { next: { ...next, outputs }, emit: true }
      }
      const code = END_ERRORS[moved.status]
      if (code) return { next: { ...next, error: { code, message: report.reason?.trim() || ERRORS[code].message } }, emit: true }
      return { next, emit: true }
    })
    deps.log.info({ taskId, source, upstreamStatus: report.status, status: result.task.status, changed: result.changed }, 'upstream report applied')
    return { task: toPublicTask(result.task), changed: result.changed }
  }

  async function replay (filter: { owner: string, taskId?: string }, afterId: number): Promise<TaskEvent[]> {
    const all: TaskEvent[] = []
    for (let cursor = afterId; ;) {
      const page = await deps.events.after(filter, cursor, REPLAY_PAGE)
      all.push(...page)
      if (page.length < REPLAY_PAGE) return all
      cursor = page.at(-1)!.id
    }
  }

  /**
   * A callback whose URL token matched. The token proves the URL came from us, not that the body
   * came from the gateway, so with verification on the body only triggers a read of the result
   * endpoint, and what the gateway says there is applied.
   */
  async function applyCallback (task: TaskRecord, payload: CallbackPayload): Promise<{ task: Task, changed: boolean }> {
    if ((payload.params && payload.params !== task.id) || (task.upstreamTaskId && payload.task_id !== task.upstreamTaskId)) {
      throw new BffError('BFF_ERR_WEBHOOK_INVALID', 'The callback is for a different task')
    }
    if (!deps.verifyCallbacks) return applyUpstream(task.id, { ...payload, upstreamTaskId: payload.task_id }, 'callback')
    if (!task.upstreamTaskId) {
      // The create answer has not been recorded yet, so there is nothing to check the id against.
      throw new BffError('BFF_ERR_NOT_READY', 'The task is still being created; retry the callback')
    }
    const confirmed = await deps.gateway.getTask(task.upstreamTaskId)
    if (confirmed.status !== payload.status) {
      deps.log.warn({ taskId: task.id, callbackStatus: payload.status, gatewayStatus: confirmed.status }, 'callback disagrees with the gateway; applying the gateway\'s status')
    }
    return applyUpstream(task.id, confirmed, 'callback')
  }

  return {
    create,
    applyCallback,
    get: async (owner: string, id: string) => toPublicTask(await get(owner, id)),
    /** The task when `token` is its callback token; null otherwise, with the same cost either way. */
    async authorizeCallback (taskId: string | undefined, token: string | undefined): Promise<TaskRecord | null> {
      const task = taskId ? await deps.store.get(taskId) : undefined
      return tokenMatches(token, task?.callbackTokenHash) ? task ?? null : null
    },
    applyUpstream,
    async list (query: ListQuery) {
      const page = await deps.store.list(query)
      return { items: page.items.map(toPublicTask), nextCursor: page.nextCursor }
    },
    /** For SSE: checks ownership, then returns what a per-task stream starts with and the task's newest event. */
    async taskStreamStart (owner: string, taskId: string, lastEventId: number | undefined): Promise<{ events: TaskEvent[], latest: TaskEvent | undefined }> {
      await get(owner, taskId)
      const latest = await deps.events.latest(taskId)
      if (lastEventId !== undefined) return { events: await replay({ owner, taskId }, lastEventId), latest }
      return { events: latest ? [latest] : [], latest }
    },
    async ownerStreamStart (owner: string, lastEventId: number | undefined): Promise<{ events: TaskEvent[], lastId: number }> {
      if (lastEventId === undefined) return deps.events.snapshot(owner)
      const events = await replay({ owner }, lastEventId)
      return { events, lastId: events.at(-1)?.id ?? lastEventId }
    },
    subscribe: (owner: string, listener: (event: TaskEvent) => void) => deps.bus.subscribe(owner, listener)
  }
}
