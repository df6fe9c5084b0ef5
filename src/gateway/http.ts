import { Agent, request, type Dispatcher } from 'undici'
import { GatewayError } from './errors.ts'

/**
 * The undici handling every provider's client shares: one keep-alive pool per upstream, bounded
 * answers, and transport failures told apart by whether the request can have left.
 */

// Connection-level failures where the request bytes were never written: safe to retry a create.
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT'])
const TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])

export interface PoolOptions { connectTimeoutMs: number, timeoutMs: number }

export function createUpstreamAgent (opts: PoolOptions): Agent {
  return new Agent({
    connect: { timeout: opts.connectTimeoutMs },
    headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs,
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000
  })
}

/** The body as text, or a GatewayError once it passes `maxBytes` (the rest is not read). `upstream` names the service in messages. */
export async function readLimited (body: Dispatcher.ResponseData['body'], maxBytes: number, upstream: string): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    size += (chunk as Buffer).length
    if (size > maxBytes) {
      body.destroy()
      throw new GatewayError('BFF_ERR_UPSTREAM_BAD_RESPONSE', `${upstream} answered with an oversized body`, { sent: true })
    }
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** A transport failure as a GatewayError; `afterHeaders` when the answer had begun, so the request certainly left. */
export function transportError (err: unknown, upstream: string, afterHeaders = false): GatewayError {
  if (err instanceof GatewayError) return err
  const e = err as { code?: string, name?: string, cause?: { code?: string } }
  const code = e.code ?? e.cause?.code ?? ''
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || code === 'UND_ERR_ABORTED' || TIMEOUTS.has(code)) {
    return new GatewayError('BFF_ERR_UPSTREAM_TIMEOUT', `${upstream} did not answer in time`, { sent: true, cause: err })
  }
  const sent = afterHeaders || !NOT_SENT.has(code)
  return new GatewayError('BFF_ERR_UPSTREAM_UNAVAILABLE', `${upstream} could not be reached`, { sent, cause: err })
}

export interface JsonAnswer { status: number, json: unknown }

export interface PostJsonOptions {
  headers: Record<string, string>
  dispatcher: Dispatcher
  timeoutMs: number
  maxBytes: number
  /** Names the service in error messages. */
  upstream: string
}

/** POSTs `body` as JSON; `json` is undefined when the answer is not JSON. Errors never carry the request body. */
export async function postJson (url: string, body: unknown, opts: PostJsonOptions): Promise<JsonAnswer> {
  let res: Dispatcher.ResponseData
  try {
    res = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...opts.headers },
      body: JSON.stringify(body),
      dispatcher: opts.dispatcher,
      signal: AbortSignal.timeout(opts.timeoutMs)
    })
  } catch (err) {
    throw transportError(err, opts.upstream)
  }
  let text: string
  try {
    text = await readLimited(res.body, opts.maxBytes, opts.upstream)
  } catch (err) {
    throw transportError(err, opts.upstream, true)
  }
  let json: unknown
  try { json = JSON.parse(text) } catch { json = undefined }
  return { status: res.statusCode, json }
}
