import { Agent, request } from 'undici'
import { signedHeaders } from './signing.ts'

export interface AttemptResult {
  /** The receiver's HTTP status; null when none arrived (refused, reset, timed out). */
  status: number | null
  /** Why the attempt failed, in a few words; null on a 2xx. Never the URL. */
  error: string | null
  seconds: number
}

export interface Sender {
  send: (target: { url: string, secret: Buffer }, id: string, body: string, signal?: AbortSignal) => Promise<AttemptResult>
  close: () => Promise<void>
}

export interface SenderOptions {
  timeoutMs: number
  maxAnswerBytes: number
  now?: () => number
}

const TIMEOUTS = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'TimeoutError'])

/**
 * One signed POST per attempt. Redirects are never followed (undici's request does not without an
 * interceptor: a 3xx is a failed attempt); the whole attempt is bounded by the timeout and the
 * answer by a byte cap, past which the connection is dropped.
 */
export function createSender (opts: SenderOptions): Sender {
  const now = opts.now ?? Date.now
  const agent = new Agent({ connect: { timeout: opts.timeoutMs }, headersTimeout: opts.timeoutMs, bodyTimeout: opts.timeoutMs })

  async function drain (body: AsyncIterable<Buffer> & { destroy: () => void }): Promise<void> {
    let read = 0
    try {
      for await (const chunk of body) {
        read += chunk.length
        if (read > opts.maxAnswerBytes) break
      }
    } catch {
      // A slow or broken answer after the status changes nothing about the status.
    } finally {
      body.destroy()
    }
  }

  return {
    async send (target, id, body, signal) {
      const started = performance.now()
      const deadline = AbortSignal.timeout(opts.timeoutMs)
      const headers = {
        'content-type': 'application/json',
        'user-agent': 'tomoviee-bff-webhooks',
        ...signedHeaders(target.secret, id, Math.floor(now() / 1000), body)
      }
      try {
        const res = await request(target.url, {
          method: 'POST',
          headers,
          body,
          dispatcher: agent,
          signal: signal ? AbortSignal.any([deadline, signal]) : deadline
        })
        await drain(res.body)
        const ok = res.statusCode >= 200 && res.statusCode < 300
        return { status: res.statusCode, error: ok ? null : `answered ${res.statusCode}`, seconds: (performance.now() - started) / 1000 }
      } catch (err) {
        const e = err as { code?: string, name?: string }
        const timedOut = deadline.aborted || TIMEOUTS.has(e.code ?? '') || TIMEOUTS.has(e.name ?? '')
        return { status: null, error: timedOut ? 'timed out' : (e.code ?? e.name ?? 'failed'), seconds: (performance.now() - started) / 1000 }
      }
    },
    async close () { await agent.close() }
  }
}
