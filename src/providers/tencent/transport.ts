import { Agent, request, type Dispatcher } from 'undici'
import { GatewayError } from '../../gateway/errors.ts'

// Connection-level failures where the request bytes were never written: safe to retry a create.
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT'])
const TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])
const MAX_BODY_BYTES = 4 * 1_048_576

export interface TransportOptions {
  connectTimeoutMs: number
  timeoutMs: number
  /** Tests pass their own; when given, close() leaves it open. */
  dispatcher?: Dispatcher | undefined
  /** Sent with every request (credentials that travel in a header: never logged, never in an error). */
  headers?: Readonly<Record<string, string>> | undefined
  /** The provider's name in error messages. Default "Tencent". */
  label?: string | undefined
}

export interface JsonAnswer { status: number, json: unknown }

/**
 * POSTs JSON to one base URL (plus an optional path) over a keep-alive pool and reads a bounded JSON
 * answer. Errors never hold the request body or headers: Tencent's secrets travel in the body,
 * Media.io's key in a header.
 */
export function createJsonTransport (url: string, opts: TransportOptions) {
  const owns = opts.dispatcher === undefined
  const label = opts.label ?? 'Tencent'
  const dispatcher = opts.dispatcher ?? new Agent({
    connect: { timeout: opts.connectTimeoutMs },
    headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs,
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000
  })

  async function post (body: unknown, path = ''): Promise<JsonAnswer> {
    let res: Dispatcher.ResponseData
    try {
      res = await request(url + path, {
        method: 'POST',
        headers: { ...opts.headers, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        dispatcher,
        signal: AbortSignal.timeout(opts.timeoutMs)
      })
    } catch (err) {
      throw transportError(err, label)
    }
    let text: string
    try {
      text = await readLimited(res.body, label)
    } catch (err) {
      throw transportError(err, label, true)
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

async function readLimited (body: Dispatcher.ResponseData['body'], label: string): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) {
      body.destroy()
      throw new GatewayError('BFF_ERR_UPSTREAM_BAD_RESPONSE', `${label} answered with an oversized body`, { sent: true })
    }
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function transportError (err: unknown, label: string, afterHeaders = false): GatewayError {
  if (err instanceof GatewayError) return err
  const e = err as { code?: string, name?: string, cause?: { code?: string } }
  const code = e.code ?? e.cause?.code ?? ''
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || code === 'UND_ERR_ABORTED' || TIMEOUTS.has(code)) {
    return new GatewayError('BFF_ERR_UPSTREAM_TIMEOUT', `${label} did not answer in time`, { sent: true, cause: err })
  }
  const sent = afterHeaders || !NOT_SENT.has(code)
  return new GatewayError('BFF_ERR_UPSTREAM_UNAVAILABLE', `${label} could not be reached`, { sent, cause: err })
}
