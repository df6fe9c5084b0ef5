import { Agent, request, type Dispatcher } from 'undici'
import { GatewayError } from '../../gateway/errors.ts'

// Connection-level failures where the request bytes were never written: safe to retry a create.
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT'])
const TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])
const MAX_BODY_BYTES = 4 * 1_048_576

export interface TransportOptions {
  /** The provider's name in error messages. Default "Tencent". */
  service?: string | undefined
  connectTimeoutMs: number
  timeoutMs: number
  /** Tests pass their own; when given, close() leaves it open. */
  dispatcher?: Dispatcher | undefined
}

export interface JsonAnswer { status: number, json: unknown }

/** Per-call extras: another URL on the same pool, and request headers. */
export interface PostOptions { url?: string, headers?: Readonly<Record<string, string>> }

/**
 * POSTs JSON to one URL over a keep-alive pool and reads a bounded JSON answer. Errors never hold
 * the request body: Tencent's secrets travel in it.
 */
export function createJsonTransport (url: string, opts: TransportOptions) {
  const service = opts.service ?? 'Tencent'
  const owns = opts.dispatcher === undefined
  const dispatcher = opts.dispatcher ?? new Agent({
    connect: { timeout: opts.connectTimeoutMs },
    headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs,
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000
  })

  async function post (body: unknown, extra: PostOptions = {}): Promise<JsonAnswer> {
    let res: Dispatcher.ResponseData
    try {
      res = await request(extra.url ?? url, {
        method: 'POST',
        headers: { ...extra.headers, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        dispatcher,
        signal: AbortSignal.timeout(opts.timeoutMs)
      })
    } catch (err) {
      throw transportError(service, err)
    }
    let text: string
    try {
      text = await readLimited(service, res.body)
    } catch (err) {
      throw transportError(service, err, true)
    }
    let json: unknown
    try { json = JSON.parse(text) } catch { json = undefined }
    return { status: res.statusCode, json }
  }

  return {
    post,
    async close (): Promise<void> {
      if (owns) await dispatcher.close()
    }
  }
}

async function readLimited (service: string, body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) {
      body.destroy()
      throw new GatewayError('BFF_ERR_UPSTREAM_BAD_RESPONSE', `${service} answered with an oversized body`, { sent: true })
    }
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function transportError (service: string, err: unknown, afterHeaders = false): GatewayError {
  if (err instanceof GatewayError) return err
  const e = err as { code?: string, name?: string, cause?: { code?: string } }
  const code = e.code ?? e.cause?.code ?? ''
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || code === 'UND_ERR_ABORTED' || TIMEOUTS.has(code)) {
    return new GatewayError('BFF_ERR_UPSTREAM_TIMEOUT', `${service} did not answer in time`, { sent: true, cause: err })
  }
  const sent = afterHeaders || !NOT_SENT.has(code)
  return new GatewayError('BFF_ERR_UPSTREAM_UNAVAILABLE', `${service} could not be reached`, { sent, cause: err })
}
