import type { Dispatcher } from 'undici'
import type { z } from 'zod'
import { BffError, toIssues } from '../../errors.ts'
import { GatewayError } from '../../gateway/errors.ts'
import type { CapabilityDefinition } from '../../tasks/capabilities/types.ts'
import { createJsonTransport } from '../../gateway/json-transport.ts'
import type { Provider, UpstreamReport } from '../types.ts'
import { MEDIAIO_CAPABILITIES, MEDIAIO_PROVIDER_ID, modelOfCapability } from './capabilities.ts'
import { createPath, CREDITS_PATH, RESULT_PATH_PREFIX } from './models.ts'
import { taskReport } from './status.ts'
import { AUTH_CODES, CreateDataSchema, CreditsDataSchema, EnvelopeSchema, MEDIAIO_CODES, ResultDataSchema } from './wire.ts'

export interface MediaioClientOptions {
  /** Base URL, without a trailing slash: https://openapi.media.io */
  baseUrl: string
  apiKey: string
  connectTimeoutMs: number
  timeoutMs: number
  dispatcher?: Dispatcher | undefined
  /** Where the client reports what the core should log: trace ids and unknown statuses. */
  log?: { info: (obj: object, msg: string) => void, warn: (obj: object, msg: string) => void } | undefined
}

/** The Provider plus Media.io's balance query, for an operators' endpoint. */
export interface MediaioProvider extends Provider {
  credits: () => Promise<{ credits: number, traceId?: string | undefined }>
}

const CAPABILITIES = MEDIAIO_CAPABILITIES as unknown as readonly CapabilityDefinition[]
// Task ids go into the URL path: refuse anything that could change the path.
const TASK_ID = /^[\w.-]{1,128}$/

interface Answer<T> { data: T, traceId?: string | undefined }

/** Media.io's AIGC OpenAPI behind the provider interface: polling only, no callbacks. */
export function createMediaioProvider (opts: MediaioClientOptions): MediaioProvider {
  const transport = createJsonTransport(opts.baseUrl.replace(/\/+$/, ''), {
    ...opts, headers: { 'x-api-key': opts.apiKey }, label: 'Media.io'
  })
  // Upstream messages go to the log; an echo of the key must not ride along.
  const scrub = (text: string) => (opts.apiKey ? text.split(opts.apiKey).join('[REDACTED]') : text).slice(0, 200)

  async function call<T extends z.ZodType> (path: string, body: unknown, schema: T, what: string): Promise<Answer<z.output<T>>> {
    const res = await transport.post(body, { path })
    const envelope = EnvelopeSchema.safeParse(res.json)
    const traceId = envelope.success ? envelope.data.trace_id ?? undefined : undefined
    const code = envelope.success ? envelope.data.code : undefined
    const details = {
      sent: true,
      upstreamStatus: res.status,
      ...(code !== undefined ? { upstreamCode: code } : {}),
      ...(envelope.success && envelope.data.msg ? { upstreamMessage: scrub(`${traceId ?? '-'}: ${envelope.data.msg}`) } : {})
    }
    if ((code !== undefined && AUTH_CODES.includes(code)) || res.status === 401 || res.status === 403) {
      throw new GatewayError('BFF_ERR_UPSTREAM_AUTH', 'Media.io rejected the BFF API key', details)
    }
    if (code === MEDIAIO_CODES.INSUFFICIENT_CREDITS) {
      throw new GatewayError('BFF_ERR_UPSTREAM_INSUFFICIENT_CREDITS', 'The Media.io account has run out of credits', details)
    }
    if (res.status === 429 || res.status >= 500) {
      throw new GatewayError('BFF_ERR_UPSTREAM_UNAVAILABLE', `Media.io is unavailable (HTTP ${res.status})`, details)
    }
    if (code === MEDIAIO_CODES.TASK_NOT_FOUND) {
      throw new GatewayError('BFF_ERR_UPSTREAM_REJECTED', 'Media.io has no such task', details)
    }
    if (!envelope.success) throw new GatewayError('BFF_ERR_UPSTREAM_BAD_RESPONSE', `Media.io answered ${what} without its envelope`, details)
    if (code !== MEDIAIO_CODES.OK || res.status < 200 || res.status >= 300) {
      throw new GatewayError('BFF_ERR_UPSTREAM_REJECTED', `Media.io refused the ${what} request (code ${code}, HTTP ${res.status})`, details)
    }
    const data = schema.safeParse(envelope.data.data)
    if (!data.success) throw new GatewayError('BFF_ERR_UPSTREAM_BAD_RESPONSE', `Media.io answered ${what} without the expected fields`, details)
    return { data: data.data, traceId }
  }

  // Task Result does not say which model ran: the capability, when the caller names it, says what to expect.
  const expectedOf = (capability: string | undefined) =>
    CAPABILITIES.find((c) => c.name === capability)?.outputs[0]?.type ?? 'video'

  return {
    id: MEDIAIO_PROVIDER_ID,
    delivery: 'polling',
    confirmCallbacks: false,
    capabilities: CAPABILITIES,
    async create (req) {
      const model = modelOfCapability(req.capability)
      const def = CAPABILITIES.find((c) => c.name === req.capability)
      if (!model || !def) throw new BffError('BFF_ERR_BAD_REQUEST', `Media.io has no capability ${req.capability}`)
      const input = def.input.safeParse(req.input)
      if (!input.success) throw new BffError('BFF_ERR_VALIDATION', undefined, { issues: toIssues(input.error.issues) })
      const data = def.upstream.safeParse(def.toUpstream(input.data))
      // Our own mapping broke a documented limit: a bug, not the caller's fault.
      if (!data.success) throw new BffError('BFF_ERR_INTERNAL', `The ${model.code} request the BFF built is invalid`)
      const res = await call(createPath(model), { data: data.data }, CreateDataSchema, 'create')
      opts.log?.info({ provider: MEDIAIO_PROVIDER_ID, taskId: req.taskId, upstreamTaskId: res.data.task_id, traceId: res.traceId }, 'Media.io task created')
      return { upstreamTaskId: res.data.task_id, traceId: res.traceId }
    },
    async get (upstreamTaskId, task): Promise<UpstreamReport> {
      if (!TASK_ID.test(upstreamTaskId)) throw new GatewayError('BFF_ERR_UPSTREAM_REJECTED', 'Not a Media.io task id', { sent: false })
      const res = await call(`${RESULT_PATH_PREFIX}${encodeURIComponent(upstreamTaskId)}`, {}, ResultDataSchema, 'task result')
      return taskReport(res.data, {
        upstreamTaskId,
        expected: expectedOf(task?.capability),
        traceId: res.traceId,
        onUnknownStatus: (status) => opts.log?.warn({ provider: MEDIAIO_PROVIDER_ID, upstreamTaskId, traceId: res.traceId, status: status.slice(0, 40) }, 'Media.io reported an unknown status; treated as still running')
      })
    },
    parseCallback () {
      throw new BffError('BFF_ERR_WEBHOOK_INVALID', 'Media.io sends no callbacks')
    },
    async credits () {
      const res = await call(CREDITS_PATH, {}, CreditsDataSchema, 'credits')
      return { credits: res.data.credits, traceId: res.traceId }
    },
    async balance () {
      const res = await call(CREDITS_PATH, {}, CreditsDataSchema, 'credits')
      return { amount: res.data.credits, unit: 'credits' }
    },
    async ping () {
      await call(CREDITS_PATH, {}, CreditsDataSchema, 'credits')
    },
    close: () => transport.close()
  }
}
