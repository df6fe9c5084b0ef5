import { backoffMs, sleep } from './backoff.ts'
import { BffClientError } from './errors.ts'
import { EVENT_NAMES } from './events.ts'
import type { Http } from './http.ts'
import type { EventSourceConstructor, EventSourceEventLike, StreamToken } from './types.ts'
import type { StreamContext } from './watch.ts'

const CLOSED = 2
// No retry: hint is readable through EventSource, so the client's own reconnects start here.
const BASE_DELAY_MS = 1000

interface Minted { token: string, expiresAt: number, mintedAt: number }

/**
 * Whether a token is too close to its end to reconnect with: within half its lifetime, at most
 * 30 s. Measured on the local clock; if that is off, a rejected token is re-minted anyway.
 */
function stale (t: Minted): boolean {
  const margin = Math.min(30_000, Math.max(1000, (t.expiresAt - t.mintedAt) / 2))
  return t.expiresAt - Date.now() < margin
}

async function mint (http: Http, ctx: StreamContext): Promise<Minted> {
  const body = ctx.taskId === undefined ? {} : { taskId: ctx.taskId }
  const { token, expiresAt } = await http.json<StreamToken>('/v1/stream-tokens', { method: 'POST', body, signal: ctx.signal })
  return { token, expiresAt: Date.parse(expiresAt), mintedAt: Date.now() }
}

type Outcome = 'rejected' | 'stale' | 'aborted'

/** One EventSource, left to reconnect by itself while its token is fresh; settles when we must step in. */
function connect (ES: EventSourceConstructor, url: string, ctx: StreamContext, token: Minted): Promise<{ outcome: Outcome, opened: boolean }> {
  return new Promise((resolve) => {
    const es = new ES(url)
    let settled = false
    let open = false
    let opened = false
    const settle = (outcome: Outcome): void => {
      if (settled) return
      settled = true
      es.close()
      ctx.signal.removeEventListener('abort', onAbort)
      resolve({ outcome, opened })
    }
    const onAbort = (): void => settle('aborted')
    ctx.signal.addEventListener('abort', onAbort, { once: true })
    if (ctx.signal.aborted) onAbort()

    for (const name of EVENT_NAMES) {
      es.addEventListener(name, (e: EventSourceEventLike) => {
        ctx.frame({ id: e.lastEventId === '' ? undefined : e.lastEventId, event: name, data: typeof e.data === 'string' ? e.data : undefined })
      })
    }
    es.addEventListener('open', () => {
      open = true
      opened = true
      ctx.opened()
    })
    es.addEventListener('error', () => {
      const wasOpen = open
      open = false
      void (async () => {
        if (wasOpen) await ctx.ended()
        if (settled || ctx.signal.aborted) return
        // Closed for good: the server refused the connection, and EventSource cannot tell us why.
        // Most likely the token (expired or from another key), so mint afresh rather than give up.
        if (es.readyState === CLOSED) settle('rejected')
        // About to reconnect by itself with a token that is about to expire: do it ourselves instead.
        else if (stale(token)) settle('stale')
      })()
    })
  })
}

/**
 * EventSource, for browsers: it cannot send headers, so each connection carries a stream token
 * (POST /v1/stream-tokens, scoped to the task when watching one) and the resume point as query
 * parameters. Tokens are re-minted before they expire and whenever a connection is refused.
 * EventSource hides id-only frames, so on 'all' the resume point is the last event's id: until a
 * first event arrives, a reconnect starts from a fresh snapshot of the unfinished tasks.
 */
export async function eventSourceStream (http: Http, ES: EventSourceConstructor, ctx: StreamContext): Promise<void> {
  let token: Minted | undefined
  let failures = 0
  while (!ctx.signal.aborted) {
    if (token === undefined || stale(token)) {
      try {
        token = await mint(http, ctx)
      } catch (err) {
        if (ctx.signal.aborted) return
        // No such task, bad credentials: a reconnect cannot fix those.
        if (err instanceof BffClientError && err.status !== 0 && err.status !== 429 && err.status < 500) throw err
        failures++
        await sleep(backoffMs(failures, BASE_DELAY_MS), ctx.signal)
        continue
      }
    }
    const cursor = ctx.cursor()
    const query = `token=${encodeURIComponent(token.token)}${cursor === undefined ? '' : `&lastEventId=${cursor}`}`
    const { outcome, opened } = await connect(ES, `${http.url(ctx.path)}?${query}`, ctx, token)
    if (outcome === 'aborted' || ctx.signal.aborted) return
    if (opened) failures = 0
    if (outcome === 'rejected') {
      token = undefined
      failures++
      // Typically an expired token: a fresh one should work at once. Back off only if it does not.
      if (failures === 1) continue
    }
    await sleep(backoffMs(Math.max(1, failures), BASE_DELAY_MS), ctx.signal)
  }
}
