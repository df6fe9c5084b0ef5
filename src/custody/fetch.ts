import type { Readable } from 'node:stream'
import { Agent, request, type Dispatcher } from 'undici'
import { BlockedAddressError, defaultResolve, guardedLookup, hasCause, type Resolver } from '../security/preflight.ts'
import { checkMediaUrl, PRIVATE_ADDRESS_REASON, type UrlPolicy } from '../security/url-policy.ts'

export interface OutputFetchOptions {
  /** Which hosts outputs may come from: the output URL policy, checked again on every redirect. */
  policy: UrlPolicy
  maxBytes: number
  maxRedirects?: number
  /** Connect, headers and body deadlines of the agent; the caller bounds the whole copy with a signal. */
  timeoutMs: number
  resolve?: Resolver
}

/** Why a copy failed; `permanent` when trying again cannot help (refused host, too large). */
export class CopyError extends Error {
  readonly permanent: boolean
  constructor (message: string, permanent: boolean) {
    super(message)
    this.name = 'CopyError'
    this.permanent = permanent
  }
}

export interface OpenedOutput { body: Readable, contentType: string }

const REDIRECTS = new Set([301, 302, 303, 307, 308])

/** Opens output URLs for streaming, following redirects only to hosts the policy allows. */
export function createOutputFetcher (opts: OutputFetchOptions) {
  const maxRedirects = opts.maxRedirects ?? 3
  // The connect-time guard re-checks the addresses a name resolves to (DNS rebinding).
  const dispatcher: Dispatcher = new Agent({
    connect: { timeout: opts.timeoutMs, lookup: guardedLookup(opts.resolve ?? defaultResolve, opts.policy) },
    headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs
  })

  async function open (raw: string, signal: AbortSignal): Promise<OpenedOutput> {
    let url = raw
    for (let hop = 0; ; hop++) {
      const reason = checkMediaUrl(url, opts.policy)
      if (reason !== null) throw new CopyError(hop === 0 ? `the URL ${reason}` : `it redirects to a URL that ${reason}`, true)
      let res: Dispatcher.ResponseData
      try {
        res = await request(url, { method: 'GET', dispatcher, signal, headers: { 'user-agent': 'tomoviee-bff-custody' } })
      } catch (err) {
        if (hasCause(err, (e) => e instanceof BlockedAddressError)) throw new CopyError(`the host ${PRIVATE_ADDRESS_REASON}`, true)
        throw new CopyError(signal.aborted ? 'the copy took too long' : 'the gateway could not be reached', false)
      }
      const location = header(res.headers, 'location')
      if (REDIRECTS.has(res.statusCode) && location !== undefined) {
        await res.body.dump().catch(() => {})
        if (hop >= maxRedirects) throw new CopyError(`it redirects more than ${maxRedirects} times`, true)
        if (!URL.canParse(location, url)) throw new CopyError('it redirects to an invalid URL', true)
        url = new URL(location, url).href
        continue
      }
      if (res.statusCode !== 200) {
        await res.body.dump().catch(() => {})
        // A 404 may be a CDN that has not caught up yet; only the retries' limit gives up on it.
        throw new CopyError(`the gateway answered HTTP ${res.statusCode}`, false)
      }
      const length = Number(header(res.headers, 'content-length') ?? NaN)
      if (Number.isFinite(length) && length > opts.maxBytes) {
        res.body.on('error', () => {}).destroy()
        throw new CopyError(`the file is larger than ${opts.maxBytes} bytes`, true)
      }
      const contentType = header(res.headers, 'content-type')?.split(';')[0]?.trim() || 'application/octet-stream'
      return { body: res.body, contentType }
    }
  }

  return { open, close: async () => { await dispatcher.close() } }
}

export type OutputFetcher = ReturnType<typeof createOutputFetcher>

function header (headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const v = headers[name]
  return Array.isArray(v) ? v[0] : v
}
