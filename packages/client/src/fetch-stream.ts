import { backoffMs, sleep } from './backoff.ts'
import { BffClientError, errorFromResponse, readJson } from './errors.ts'
import type { Http } from './http.ts'
import { createSseParser, type SseFrame } from './sse-parser.ts'
import type { StreamContext } from './watch.ts'

// Until the stream's own retry: hint arrives.
const DEFAULT_RETRY_MS = 1000
// Worth reconnecting: overload, rate limits, an instance going away.
const TRANSIENT = new Set([408, 429, 500, 502, 503, 504])

/** Reads a stream until it ends; aborts the connection when it stays silent longer than idleMs. */
async function read (body: ReadableStream<Uint8Array>, conn: AbortController, idleMs: number, onFrame: (f: SseFrame) => void): Promise<void> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  const parser = createSseParser(onFrame)
  let timer: ReturnType<typeof setTimeout> | undefined
  const arm = (): void => {
    clearTimeout(timer)
    // Heartbeats keep a live stream busy; silence means a dead connection nobody closed.
    timer = setTimeout(() => { conn.abort(); reader.cancel().catch(() => {}) }, idleMs)
  }
  try {
    for (arm(); ; arm()) {
      const { value, done } = await reader.read()
      if (done) return
      parser.feed(decoder.decode(value, { stream: true }))
    }
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Streaming fetch: works in Node and browsers and sends Authorization itself. Reconnects after
 * drops with backoff from the server's retry: hint, resuming with Last-Event-ID.
 */
export async function fetchStream (http: Http, ctx: StreamContext, idleTimeoutMs: number): Promise<void> {
  let retryMs = DEFAULT_RETRY_MS
  let failures = 0
  let authRetried = false
  while (!ctx.signal.aborted) {
    // Outside the try: a credentials function that fails is the app's problem, not a network one.
    const headers: Record<string, string> = { accept: 'text/event-stream', authorization: await http.authorization() }
    const cursor = ctx.cursor()
    if (cursor !== undefined) headers['last-event-id'] = String(cursor)
    const conn = new AbortController()
    const abort = (): void => conn.abort()
    ctx.signal.addEventListener('abort', abort, { once: true })
    let opened = false
    let waitMs: number | undefined
    try {
      const res = await http.fetch(http.url(ctx.path), { headers, signal: conn.signal })
      if (res.ok && !res.headers.get('content-type')?.startsWith('text/event-stream')) {
        throw new BffClientError(res.status, 'BFF_CLIENT_ERR_BAD_RESPONSE', 'The event stream answered something other than text/event-stream')
      }
      if (res.ok && res.body) {
        opened = true
        failures = 0
        authRetried = false
        ctx.opened()
        await read(res.body, conn, idleTimeoutMs, (frame) => {
          if (frame.retry !== undefined) retryMs = frame.retry
          ctx.frame(frame)
        })
      } else {
        const error = errorFromResponse(res, await readJson(res))
        if (error.code === 'BFF_ERR_AUTH_EXPIRED' && http.refreshable && !authRetried) {
          authRetried = true
          waitMs = 0
        } else if (TRANSIENT.has(res.status)) {
          failures++
          waitMs = Math.max(backoffMs(failures, retryMs), (error.retryAfter ?? 0) * 1000)
        } else {
          throw error
        }
      }
    } catch (err) {
      if (ctx.signal.aborted) return
      if (err instanceof BffClientError) throw err
      // A network failure, a dropped or silent stream: reconnect.
      if (!opened) failures++
    } finally {
      ctx.signal.removeEventListener('abort', abort)
      conn.abort()
    }
    if (opened) await ctx.ended()
    if (ctx.signal.aborted) return
    await sleep(waitMs ?? backoffMs(Math.max(1, failures), retryMs), ctx.signal)
  }
}
