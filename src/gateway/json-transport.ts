import type { Dispatcher } from 'undici'
import { createUpstreamAgent, postJson, type JsonAnswer } from './http.ts'

const MAX_BODY_BYTES = 4 * 1_048_576

export interface TransportOptions {
  connectTimeoutMs: number
  timeoutMs: number
  /** Tests pass their own; when given, close() leaves it open. */
  dispatcher?: Dispatcher | undefined
  /** Sent with every request (credentials that travel in a header: never logged, never in an error). */
  headers?: Readonly<Record<string, string>> | undefined
  /** The provider's name in error messages. */
  label: string
}

/** Per-call extras: a path under the base URL, or another URL on the same pool, and request headers. */
export interface PostOptions {
  path?: string | undefined
  url?: string | undefined
  headers?: Readonly<Record<string, string>> | undefined
}

export type { JsonAnswer }

/**
 * POSTs JSON to one base URL over a keep-alive pool and reads a bounded JSON answer. Errors never
 * hold the request body or headers: credentials may travel in either.
 */
export function createJsonTransport (url: string, opts: TransportOptions) {
  const owns = opts.dispatcher === undefined
  const dispatcher = opts.dispatcher ?? createUpstreamAgent(opts)
  const upstream = opts.label

  const post = (body: unknown, call: PostOptions = {}): Promise<JsonAnswer> =>
    postJson(call.url ?? url + (call.path ?? ''), body, {
      headers: { ...opts.headers, ...call.headers },
      dispatcher,
      timeoutMs: opts.timeoutMs,
      maxBytes: MAX_BODY_BYTES,
      upstream
    })

  return {
    post,
    async close (): Promise<void> {
      if (owns) await dispatcher.close()
    }
  }
}
