import type { Dispatcher } from 'undici'
import type { z } from 'zod'
import { GatewayError } from '../../gateway/errors.ts'
import { createUpstreamAgent, postJson } from '../../gateway/http.ts'
import { CreateDataSchema, EnvelopeSchema, TaskDataSchema } from './wire.ts'
import type { GatewayClient, UpstreamTask } from './types.ts'

export interface GatewayClientOptions {
  baseUrl: string
  appKey: string
  appSecret: string
  connectTimeoutMs: number
  timeoutMs: number
  /** Tests pass a MockAgent; when given, the client does not close it. */
  dispatcher?: Dispatcher
}

const MAX_BODY_BYTES = 1_048_576
const UPSTREAM = 'The generation gateway'

export function createGatewayClient (opts: GatewayClientOptions): GatewayClient {
  const ownsDispatcher = opts.dispatcher === undefined
  const dispatcher = opts.dispatcher ?? createUpstreamAgent(opts)
  const headers = {
    authorization: `Basic ${Buffer.from(`${opts.appKey}:${opts.appSecret}`, 'utf8').toString('base64')}`,
    'x-app-key': opts.appKey
  }

  async function call<T extends z.ZodType> (path: string, body: unknown, dataSchema: T): Promise<z.output<T>> {
    const res = await send(path, body)
    const envelope = EnvelopeSchema.safeParse(res.json)
    if (res.status === 401 || res.status === 403) {
      throw new GatewayError('BFF_ERR_UPSTREAM_AUTH', 'The generation gateway rejected the BFF credentials', {
        sent: true, upstreamStatus: res.status, ...upstreamDetails(envelope.data)
      })
    }
    if (res.status === 429 || res.status === 503) {
      throw new GatewayError('BFF_ERR_UPSTREAM_UNAVAILABLE', `The generation gateway is unavailable (HTTP ${res.status})`, {
        sent: true, upstreamStatus: res.status, ...upstreamDetails(envelope.data)
      })
    }
    if (res.status < 200 || res.status >= 300) {
      throw new GatewayError('BFF_ERR_UPSTREAM_REJECTED', `The generation gateway answered HTTP ${res.status}`, {
        sent: true, upstreamStatus: res.status, ...upstreamDetails(envelope.data)
      })
    }
    if (!envelope.success) {
      throw new GatewayError('BFF_ERR_UPSTREAM_BAD_RESPONSE', 'The generation gateway answered with an unexpected body', { sent: true, upstreamStatus: res.status })
    }
    // Clients of the gateway still read `data` when `code != 0`; a missing `data` is the real failure.
    if (envelope.data.code !== 0 && (envelope.data.data === undefined || envelope.data.data === null)) {
      throw new GatewayError('BFF_ERR_UPSTREAM_REJECTED', `The generation gateway refused the request (code ${envelope.data.code})`, {
        sent: true, upstreamStatus: res.status, ...upstreamDetails(envelope.data)
      })
    }
    const data = dataSchema.safeParse(envelope.data.data)
    if (!data.success) {
      throw new GatewayError('BFF_ERR_UPSTREAM_BAD_RESPONSE', 'The generation gateway answered without the expected fields', { sent: true, upstreamStatus: res.status })
    }
    return data.data
  }

  async function send (path: string, body: unknown): Promise<{ status: number, json: unknown }> {
    const { status, json } = await postJson(`${opts.baseUrl}${path}`, body, { headers, dispatcher, timeoutMs: opts.timeoutMs, maxBytes: MAX_BODY_BYTES, upstream: UPSTREAM })
    if (json === undefined && status >= 200 && status < 300) {
      throw new GatewayError('BFF_ERR_UPSTREAM_BAD_RESPONSE', 'The generation gateway answered with a body that is not JSON', { sent: true, upstreamStatus: status })
    }
    return { status, json }
  }

  return {
    async createTask (endpoint, body) {
      const data = await call(`/v1/open/capacity/application/${encodeURIComponent(endpoint)}`, body, CreateDataSchema)
      return data.task_id
    },
    async getTask (taskId): Promise<UpstreamTask> {
      const data = await call('/v1/open/pub/task', { task_id: taskId }, TaskDataSchema)
      return { status: data.status, progress: data.progress, result: data.result, reason: data.reason, params: data.params }
    },
    async close () {
      if (ownsDispatcher) await dispatcher.close()
    }
  }
}

function upstreamDetails (envelope: { code: number, msg?: string | null | undefined } | undefined): { upstreamCode?: number, upstreamMessage?: string } {
  if (!envelope) return {}
  return { upstreamCode: envelope.code, ...(envelope.msg ? { upstreamMessage: envelope.msg.slice(0, 200) } : {}) }
}
