import type { Dispatcher } from 'undici'
import { createUpstreamAgent, postJson, type JsonAnswer } from '../../gateway/http.ts'

const MAX_BODY_BYTES = 4 * 1_048_576
const UPSTREAM = 'Tencent'

export interface TransportOptions {
  connectTimeoutMs: number
  timeoutMs: number
  /** Tests pass their own; when given, close() leaves it open. */
  dispatcher?: Dispatcher | undefined
}

export type { JsonAnswer }

/**
 * POSTs JSON to one URL over a keep-alive pool and reads a bounded JSON answer. Errors never hold
 * the request body: Tencent's secrets travel in it.
 */
export function createJsonTransport (url: string, opts: TransportOptions) {
  const owns = opts.dispatcher === undefined
  const dispatcher = opts.dispatcher ?? createUpstreamAgent(opts)

  const post = (body: unknown): Promise<JsonAnswer> =>
    postJson(url, body, { headers: {}, dispatcher, timeoutMs: opts.timeoutMs, maxBytes: MAX_BODY_BYTES, upstream: UPSTREAM })

  return {
    post,
    async close (): Promise<void> {
      if (owns) await dispatcher.close()
    }
  }
}
