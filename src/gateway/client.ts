import { Agent, request, type Dispatcher } from 'undici'
import type { z } from 'zod'
import { GatewayError } from './errors.ts'
import { CreateDataSchema, EnvelopeSchema, TaskDataSchema } from './schemas.ts'
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

// Connection-level failures where the request bytes were never written: safe to retry a create.
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT'])
const TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])
const MAX_BODY_BYTES = 1_048_576

export function createGatewayClient (opts: GatewayClientOptions): GatewayClient {
  const ownsDispatcher = opts.dispatcher === undefined
  const dispatcher = opts.dispatcher ?? new Agent({
    connect: { timeout: opts.connectTimeoutMs },
    headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs,
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000
  })
  const headers = {
    'content-type': 'application/json',
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
    let res: Dispatcher.ResponseData
    try {
      res = await request(`${opts.baseUrl}${path}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        dispatcher,
        signal: AbortSignal.timeout(opts.timeoutMs)
      })
    } catch (err) {
      throw transportError(err)
    }
    let text: string
    try {
      text = await readLimited(res.body)
    } catch (err) {
      throw transportError(err, true)
    }
    let json: unknown
    try { json = JSON.parse(text) } catch { json = undefined }
    if (json === undefined && res.statusCode >= 200 && res.statusCode < 300) {
      throw new GatewayError('BFF_ERR_UPSTREAM_BAD_RESPONSE', 'The generation gateway answered with a body that is not JSON', { sent: true, upstreamStatus: res.statusCode })
    }
    return { status: res.statusCode, json }
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

async function readLimited (body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) {
      body.destroy()
      throw new GatewayError('BFF_ERR_UPSTREAM_BAD_RESPONSE', 'The generation gateway answered with an oversized body', { sent: true })
    }
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function transportError (err: unknown, afterHeaders = false): GatewayError {
  if (err instanceof GatewayError) return err
  const e = err as { code?: string, name?: string, cause?: { code?: string } }
  const code = e.code ?? e.cause?.code ?? ''
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || code === 'UND_ERR_ABORTED' || TIMEOUTS.has(code)) {
    return new GatewayError('BFF_ERR_UPSTREAM_TIMEOUT', 'The generation gateway did not answer in time', { sent: true, cause: err })
  }
  const sent = afterHeaders || !NOT_SENT.has(code)
  return new GatewayError('BFF_ERR_UPSTREAM_UNAVAILABLE', 'The generation gateway could not be reached', { sent, cause: err })
}
