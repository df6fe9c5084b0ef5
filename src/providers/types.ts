import type { ErrorCode } from '../errors.ts'
import type { CapabilityDefinition } from '../tasks/capabilities/types.ts'
import type { Output, TaskStatus } from '../tasks/model.ts'

/**
 * First draft of the provider seam (issue 13), after platformatic/ai-warp's `Provider`: the core
 * holds a list of these and never sees a provider's wire format. Tencent implements it today; the
 * integrator moves ToMoviee behind it once the core is restructured.
 */

/** Where an upstream job stands, in our vocabulary. */
export interface UpstreamReport {
  status: TaskStatus
  /** 0-100 when the provider reports it; absent when it does not (Tencent never does). */
  progress?: number | undefined
  /** Fetchable files; set with `succeeded` only, never empty then. */
  outputs?: Output[] | undefined
  /** Set with every terminal status but `succeeded`. The message is safe to show clients. */
  error?: { code: ErrorCode, message: string } | undefined
  upstreamTaskId?: string | undefined
}

/** What a callback body says, before it is trusted. */
export interface CallbackReport {
  upstreamTaskId?: string | undefined
  /** Our task id as echoed by the provider, when it echoes one (ToMoviee `params`, Tencent `customId`). */
  customId?: string | undefined
  report: UpstreamReport
}

export interface CreateRequest {
  /** The BFF's task id: passed upstream where the provider echoes it, so a lost create answer can be recovered. */
  taskId: string
  capability: string
  /** The validated public body (the capability's `input` output type). */
  input: Record<string, unknown>
  /** The authenticated owner, for providers that key limits by user (EdrawMax's X-User-ID); never taken from the body. */
  owner?: string | undefined
  /** Where the provider should call back; absent for polling and synchronous providers. */
  callbackUrl?: string | undefined
  /** ms since the epoch after which the BFF gives the task up; providers with a job timeout derive it from this. */
  deadlineAt: number
}

/** Either the job is running upstream (callback/polling), or the provider answered at once (sync). */
export type CreateOutcome = { upstreamTaskId: string } | { report: UpstreamReport }

/**
 * One upstream service. Every method throws GatewayError (src/gateway/errors.ts) for upstream and
 * transport failures, with `sent: false` only when the request certainly never left, and never
 * puts credentials or upstream bodies into an error message.
 */
export interface Provider {
  /** Stable id: in task records, metrics labels, `/webhooks/<id>` and config names. */
  readonly id: string
  /** How results arrive: a callback (then polled as a fallback), polling only, or in the create answer. */
  readonly delivery: 'callback' | 'polling' | 'sync'
  /** Callbacks are unsigned: when callback verification is on, confirm each with `get` before applying it. */
  readonly confirmCallbacks: boolean
  readonly capabilities: readonly CapabilityDefinition[]
  create: (req: CreateRequest) => Promise<CreateOutcome>
  /** The job's current state, read from the provider (the poll, and the confirmation of a callback). */
  get: (upstreamTaskId: string) => Promise<UpstreamReport>
  /** Reads a callback body; throws BffError BFF_ERR_WEBHOOK_INVALID when it is not one. Never trusts it. */
  parseCallback: (body: unknown) => CallbackReport
  /** Finds the upstream job of a task whose create answer was lost; undefined when there is none. */
  recover?: (taskId: string) => Promise<string | undefined>
  /** A cheap authenticated call for readiness checks. */
  ping?: () => Promise<void>
  /** Releases connections the provider opened itself. */
  close: () => Promise<void>
}
