import type { Dispatcher } from 'undici'
import type { z } from 'zod'
import { BffError, toIssues } from '../../errors.ts'
import { GatewayError } from '../../gateway/errors.ts'
import type { CapabilityDefinition } from '../../tasks/capabilities/types.ts'
import type { CreateRequest, Provider, UpstreamReport } from '../types.ts'
import { TENCENT_PROVIDER_ID, tencentImageToMusic } from './capability.ts'
import { jobReport } from './status.ts'
import { createJsonTransport } from '../../gateway/json-transport.ts'
import {
  ActionRequestSchema, CallbackSchema, CreateJobResponseSchema, ErrorResponseSchema, GetJobResponseSchema,
  ListJobsResponseSchema, type ActionRequest, type CreateJobRequest
} from './wire.ts'

export interface TencentClientOptions {
  endpoint: string
  secretId: string
  secretKey: string
  /** Base URL that serves the storage Tencent writes into (see outputUrl). */
  outputBaseUrl: string
  contentId?: string | undefined
  /** Each task's files go to `<outputDir>/<task id>`. */
  outputDir: string
  connectTimeoutMs: number
  timeoutMs: number
  dispatcher?: Dispatcher | undefined
  now?: () => number
}

type Action = ActionRequest['action']
type Payload<A extends Action> = Omit<Extract<ActionRequest, { action: A }>, 'action' | 'secretId' | 'secretKey'>

const CAPABILITIES = [tencentImageToMusic] as unknown as readonly CapabilityDefinition[]

/** Tencent's image-to-music job API behind the provider interface. Throws GatewayError upstream. */
export function createTencentProvider (opts: TencentClientOptions): Provider {
  const transport = createJsonTransport(opts.endpoint, { ...opts, label: 'Tencent' })
  const now = opts.now ?? Date.now
  const base = opts.outputBaseUrl.replace(/\/+$/, '')
  // Upstream messages go to the log; an echo of a credential must not ride along.
  const scrub = (text: string) => [opts.secretId, opts.secretKey].filter(Boolean).reduce((t, s) => t.split(s).join('[REDACTED]'), text).slice(0, 200)

  async function call<A extends Action, T extends z.ZodType> (action: A, payload: Payload<A>, schema: T): Promise<z.output<T>> {
    const body = { action, secretId: opts.secretId, secretKey: opts.secretKey, ...payload }
    // Sending only what the schema (and so the simulator) accepts turns our own mistakes into clear errors.
    if (!ActionRequestSchema.safeParse(body).success) throw new BffError('BFF_ERR_INTERNAL', `The ${action} request the BFF built is invalid`)
    const res = await transport.post(body)
    const failure = ErrorResponseSchema.safeParse(res.json)
    const upstream = failure.success ? { upstreamMessage: scrub(`${failure.data.error.code}: ${failure.data.error.message}`) } : {}
    const details = { sent: true, upstreamStatus: res.status, ...upstream }
    if (res.status === 401 || res.status === 403 || (failure.success && /^AuthFailure/i.test(failure.data.error.code))) {
      throw new GatewayError('BFF_ERR_UPSTREAM_AUTH', 'Tencent rejected the BFF credentials', details)
    }
    if (res.status === 429 || res.status >= 500) {
      throw new GatewayError('BFF_ERR_UPSTREAM_UNAVAILABLE', `Tencent is unavailable (HTTP ${res.status})`, details)
    }
    if (res.status < 200 || res.status >= 300 || failure.success) {
      throw new GatewayError('BFF_ERR_UPSTREAM_REJECTED', `Tencent refused the ${action} request (HTTP ${res.status})`, details)
    }
    const parsed = schema.safeParse(res.json)
    if (!parsed.success) throw new GatewayError('BFF_ERR_UPSTREAM_BAD_RESPONSE', `Tencent answered ${action} without the expected fields`, details)
    return parsed.data
  }

  function createJobRequest (req: CreateRequest): CreateJobRequest {
    const def = CAPABILITIES.find((c) => c.name === req.capability)
    if (!def) throw new BffError('BFF_ERR_BAD_REQUEST', `Tencent has no capability ${req.capability}`)
    const input = def.input.safeParse(req.input)
    if (!input.success) throw new BffError('BFF_ERR_VALIDATION', undefined, { issues: toIssues(input.error.issues) })
    const { url, imageBgmGeneration } = def.toUpstream(input.data) as z.output<typeof tencentImageToMusic.upstream>
    return {
      customId: req.taskId,
      ...(req.callbackUrl !== undefined ? { callback: req.callbackUrl } : {}),
      // Tencent gives the job up (ERROR) at our own deadline, so neither side works past it.
      timeout: Math.max(1, Math.ceil((req.deadlineAt - now()) / 1000)),
      inputs: [{ url }],
      outputs: [{
        ...(opts.contentId !== undefined ? { contentId: opts.contentId } : {}),
        destination: `${opts.outputDir === '/' ? '' : opts.outputDir}/${req.taskId}`,
        inputSelectors: [0],
        smartContentDescriptor: { imageBgmGeneration }
      }]
    }
  }

  return {
    id: TENCENT_PROVIDER_ID,
    delivery: 'callback',
    confirmCallbacks: true,
    capabilities: CAPABILITIES,
    async create (req) {
      const res = await call('CreateJob', { createJobRequest: createJobRequest(req) }, CreateJobResponseSchema)
      return { upstreamTaskId: res.createJobResponse.job.id }
    },
    async get (upstreamTaskId): Promise<UpstreamReport> {
      const res = await call('GetJob', { getJobRequest: { id: upstreamTaskId } }, GetJobResponseSchema)
      return jobReport(res.getJobResponse.job, base)
    },
    parseCallback (body) {
      const job = CallbackSchema.safeParse(body)
      if (!job.success) throw new BffError('BFF_ERR_WEBHOOK_INVALID', 'The callback is not a Tencent Job')
      return { upstreamTaskId: job.data.id, customId: job.data.customId, report: jobReport(job.data, base) }
    },
    async recover (taskId) {
      const res = await call('ListJobs', { listJobsRequest: { customId: taskId } }, ListJobsResponseSchema)
      // customId is not unique upstream; ours are UUIDs, so several jobs mean retried creates: take the newest.
      const newest = res.listJobsResponse.jobs.filter((j) => j.customId === taskId).sort((a, b) => b.timing.createdAt - a.timing.createdAt)[0]
      return newest?.id
    },
    async ping () {
      await call('ListJobs', { listJobsRequest: { customId: 'bff-readiness-probe' } }, ListJobsResponseSchema)
    },
    close: () => transport.close()
  }
}
