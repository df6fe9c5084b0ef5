import type { Logger } from 'pino'
import type { Config } from '../config.ts'
import type { ProviderBudget } from '../polling/runner.ts'
import type { ErrorCode } from '../errors.ts'
import type { CapabilityDefinition } from '../tasks/capabilities/types.ts'
import type { Output, TaskStatus } from '../tasks/model.ts'
import type { ProviderSettings } from './settings.ts'

/**
 * The provider seam (issue 13), after platformatic/ai-warp's `Provider`: the core holds a list of
 * these (src/providers/registry.ts) and never sees a provider's wire format.
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
  /** Our task id as the provider echoes it on a read, when it does: a callback's job must be ours before its id is adopted. */
  customId?: string | undefined
  /** The provider's id of the answer this report came from (Media.io `trace_id`): for the task record and the log. */
  traceId?: string | undefined
}

/** The task a read or a callback is about, for providers whose answers depend on the capability (ToMoviee's result keys). */
export interface TaskContext { id: string, capability: string }

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

/** What the BFF's account upstream has left, in the provider's own unit ("credits"). */
export interface Balance { amount: number, unit: string }

/** Either the job is running upstream (callback/polling), or the provider answered at once (sync). */
export type CreateOutcome = { upstreamTaskId: string, traceId?: string | undefined } | { report: UpstreamReport }

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
  /**
   * The job's current state, read from the provider (the poll, and the confirmation of a callback).
   * `task.capability` tells providers whose answers do not name the model what kind of output to expect.
   */
  get: (upstreamTaskId: string, task?: TaskContext) => Promise<UpstreamReport>
  /** Reads a callback body; throws BffError BFF_ERR_WEBHOOK_INVALID when it is not one. Never trusts it. */
  parseCallback: (body: unknown, task?: TaskContext) => CallbackReport
  /** Finds the upstream job of a task whose create answer was lost; undefined when there is none. */
  recover?: (taskId: string) => Promise<string | undefined>
  /** The account's remaining balance upstream, for operators; only providers with a balance query have it. */
  balance?: () => Promise<Balance>
  /** A cheap authenticated call for readiness checks. */
  ping?: () => Promise<void>
  /** Releases connections the provider opened itself. */
  close: () => Promise<void>
}

/** real: credentials are set; simulated: none, outside production, so it runs against its simulator; off: none, in production. */
export type ProviderMode = 'real' | 'simulated' | 'off'

export interface SimulateContext {
  log: Logger
  /** Where the simulator reaches the BFF (uploads are fetched through its signed links). */
  publicUrl: string
}

/** A provider's simulator, started for demo mode: the configuration now points at it. */
export interface Simulation { config: Config, url: string, close: () => Promise<void> }

/**
 * One line of the registry: what the core knows of a provider before building it. Routes,
 * OpenAPI, `GET /v1/capabilities` and the client types come from `capabilities`; the rest from
 * the built Provider.
 */
export interface ProviderModule<S extends ProviderSettings = ProviderSettings> {
  /** The settings' key: `Config.<id>` holds the provider's configuration block. */
  readonly id: S['key']
  /** For people, after "the": "ToMoviee gateway", "Tencent image-to-music API". */
  readonly title: string
  /** As the built provider's: decides whether `/webhooks/<id>` exists. */
  readonly delivery: Provider['delivery']
  readonly capabilities: readonly CapabilityDefinition[]
  /** Its environment variables and `Config.<id>` block (./settings.ts). */
  readonly settings: S
  mode: (config: Config) => ProviderMode
  /** The provider for this configuration (after `simulate`, pointed at the simulator). */
  build: (config: Config) => Provider
  /** Hosts that serve this provider's results: they may reach clients over http too, and custody copies from them. */
  outputHosts: (config: Config) => readonly string[]
  /** The longest one upstream call may take (leases, create windows). */
  timeoutMs: (config: Config) => number
  /** Synchronous providers: calls in flight at once per instance (`<PROVIDER>_CONCURRENCY`). Default 1. */
  syncConcurrency?: (config: Config) => number
  /** Polling providers: the poller's budget for this provider (`<PROVIDER>_POLL_*`). Default: the reconciler's. */
  pollBudget?: (config: Config) => ProviderBudget
  /** Starts the provider's simulator for a simulated provider. */
  simulate: (config: Config, ctx: SimulateContext) => Promise<Simulation>
}
