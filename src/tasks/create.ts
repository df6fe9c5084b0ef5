import { createHash } from 'node:crypto'
import { BffError } from '../errors.ts'
import type { Observer } from '../observability/observer.ts'
import type { GuardedProvider } from '../gateway/breaker.ts'
import type { ProviderSet } from '../providers/set.ts'
import type { CreateRequest } from '../providers/types.ts'
import type { Preflight } from '../security/preflight.ts'
import { assertMediaUrls, type UrlPolicy } from '../security/url-policy.ts'
import { mediaValues } from './media-fields.ts'
import type { TaskStore } from '../store/types.ts'
import type { UploadReferences } from '../uploads/references.ts'
import { assertTaskWebhookUrl } from '../webhooks/task-url.ts'
import { newCallbackToken } from './callback-token.ts'
import { newTaskId } from './task-id.ts'
import { providerOfCapability } from './capabilities/index.ts'
import type { CapabilityDefinition } from './capabilities/types.ts'
import { assertMetadataLimits, DEFAULT_METADATA_LIMITS, type Metadata, type MetadataLimits } from './metadata.ts'
import type { TaskRecord } from './model.ts'
import { deadlineAt, firstCheckFor, type SchedulePolicy } from './schedule.ts'
import type { Logger } from './service.ts'
import type { SyncRunner } from './sync-runner.ts'
import type { Transitions } from './transitions.ts'
import type { Resender } from './resend.ts'
import type { Sender } from './send.ts'

export interface CreateDeps {
  store: TaskStore
  providers: Pick<ProviderSet, 'get'>
  transitions: Pick<Transitions, 'publish' | 'end'>
  sender: Sender
  resender: Pick<Resender, 'ifDue'>
  log: Logger
  observer: Observer
  now: () => Date
  maxActivePerOwner: number
  idempotencyTtlMs: number
  /** The longest a create can be in flight; a task not bound by then is checked (and resent) at once. */
  sendWindowMs?: number | undefined
  schedule: SchedulePolicy
  urlPolicy: UrlPolicy
  preflight?: Preflight | undefined
  /** Creates waiting for the gateway's answer on this instance, by task id; settled once the upstream id is recorded. */
  pending: Map<string, Promise<unknown>>
  uploads?: UploadReferences | undefined
  /** Hosts a create may name in its own webhook URL (none when empty). */
  webhookAllowHosts?: readonly string[]
  metadataLimits?: MetadataLimits | undefined
  /** Runs the create calls of synchronous providers in the background; without it they block the request. */
  syncRunner?: Pick<SyncRunner, 'submit' | 'hasRoom'> | undefined
}

export interface CreateResult { task: TaskRecord, replayed: boolean }

export function createTaskCreator (deps: CreateDeps) {
  /** Returns the input to send upstream: upload references become signed URLs, which skip the URL checks. */
  async function checkInputs (owner: string, def: CapabilityDefinition, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    const { input: sent, resolved } = deps.uploads ? await deps.uploads.resolve(owner, def.media, input) : { input, resolved: [] }
    const external = mediaValues(input, def.media).filter((v) => !resolved.includes(v.path))
    assertMediaUrls(external, deps.urlPolicy)
    if (!deps.preflight) return sent
    const issues: { path: string, message: string }[] = []
    await Promise.all(external.map(async ({ path, value, kind }) => {
      const problem = typeof value === 'string' ? await deps.preflight!.check(value, kind) : null
      if (problem) issues.push({ path: `body.${path}`, message: problem })
    }))
    if (issues.length) throw new BffError('BFF_ERR_INPUT_UNREACHABLE', `${issues[0]!.path}: ${issues[0]!.message}`, { issues })
    return sent
  }

  return async function create (owner: string, def: CapabilityDefinition, input: Record<string, unknown>, idempotencyKey?: string, webhookUrl?: string, metadata?: Metadata): Promise<CreateResult> {
    if (webhookUrl !== undefined) assertTaskWebhookUrl(webhookUrl, deps.webhookAllowHosts ?? [])
    if (metadata !== undefined) assertMetadataLimits(metadata, deps.metadataLimits ?? DEFAULT_METADATA_LIMITS)
    const sent = await checkInputs(owner, def, input)
    // Refused before anything is written: the client gets the 503 and no dead task is left behind.
    const provider = deps.providers.get(providerOfCapability(def.name) ?? '')
    const refused = provider.refusal()
    if (refused) throw refused
    const background = provider.delivery === 'sync' ? deps.syncRunner : undefined
    if (background && !background.hasRoom(provider.id)) throw runnerFull(provider.id)
    const { token, hash } = newCallbackToken()
    const nowMs = deps.now().getTime()
    const at = new Date(nowMs).toISOString()
    const deadline = deadlineAt(def.typicalSeconds.max, nowMs, deps.schedule)
    const usualCheckAt = firstCheckFor(provider.delivery, def.typicalSeconds, nowMs, deadline, deps.schedule)
    const record: TaskRecord = {
      id: newTaskId(),
      owner,
      capability: def.name,
      provider: provider.id,
      status: 'queued',
      progress: 0,
      input,
      outputs: [],
      error: null,
      ...(metadata === undefined ? {} : { metadata }),
      upstreamTaskId: null,
      callbackTokenHash: hash,
      createdAt: at,
      updatedAt: at,
      version: 1,
      nextCheckAt: Math.min(usualCheckAt, nowMs + (deps.sendWindowMs ?? Infinity)),
      deadlineAt: deadline,
      checkAttempts: 0
    }
    // The row (and the key) exist before the gateway is called: a callback that beats the create
    // answer still lands, and a concurrent duplicate finds the key and never reaches the gateway.
    // Metadata counts as part of the request, left out when absent so keys recorded before it still match.
    const bodyHash = createHash('sha256').update(JSON.stringify(metadata === undefined ? [def.name, input] : [def.name, input, metadata])).digest('hex')
    // In flight before the row exists: a duplicate in this process that finds it never resends it.
    let settle: () => void = () => {}
    deps.pending.set(record.id, new Promise<void>((resolve) => { settle = resolve }))
    try {
      const outcome = await deps.store.create(record, {
        maxActive: deps.maxActivePerOwner,
        idempotency: idempotencyKey === undefined ? undefined : { key: idempotencyKey, bodyHash, expiresAt: nowMs + deps.idempotencyTtlMs },
        now: nowMs,
        webhookUrl
      })
      if (outcome.kind === 'over-limit') throw new BffError('BFF_ERR_TOO_MANY_ACTIVE_TASKS', `At most ${deps.maxActivePerOwner} unfinished tasks at a time; wait for one to finish`)
      if (outcome.kind === 'duplicate') {
        if (!outcome.sameBody) throw new BffError('BFF_ERR_IDEMPOTENCY_MISMATCH')
        const prior = await deps.store.get(outcome.taskId)
        if (!prior) throw new BffError('BFF_ERR_TASK_NOT_FOUND')
        // Recorded but never bound, and its create is no longer in flight anywhere: sent now, not replayed dead.
        return { task: await deps.resender.ifDue(prior), replayed: true }
      }
      await deps.transitions.publish(outcome.event)
      deps.observer.taskCreated(def.name)
      const req = deps.sender.requestFor(provider, record, sent, token)
      if (background) return { task: await handOff(background, provider, req, record), replayed: false }
      // A callback that beats this answer waits for it (see the task service's applyCallback).
      const bound = deps.sender.bindUpstream(provider, req, usualCheckAt, record)
      deps.pending.set(record.id, bound)
      return { task: await bound, replayed: false }
    } finally {
      deps.pending.delete(record.id)
      settle()
    }
  }

  /**
   * A synchronous provider's call runs in the runner, off this request: the client has its 202 with
   * the queued task at once, and the outcome reaches the task through the runner's report application.
   */
  async function handOff (runner: Pick<SyncRunner, 'submit'>, provider: GuardedProvider, req: CreateRequest, record: TaskRecord): Promise<TaskRecord> {
    const submitted = runner.submit({ provider: { id: provider.id, create: (r) => deps.sender.send(provider, r) }, request: req })
    if (submitted === 'accepted' || submitted === 'duplicate') return record
    // Filled (or closing) between the room check and now: the task must not wait for a call that never starts.
    const err = runnerFull(provider.id)
    await deps.transitions.end(record.id, 'failed', err.code, err.message, 'create')
    throw err
  }
}

function runnerFull (providerId: string): BffError {
  return new BffError('BFF_ERR_UPSTREAM_UNAVAILABLE', `Too many ${providerId} tasks are waiting on this instance; retry shortly`, { retryAfterSec: 1 })
}
