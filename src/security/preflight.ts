import { lookup } from 'node:dns/promises'
import { isIP, type TcpNetConnectOpts } from 'node:net'
import { Agent, request, type Dispatcher } from 'undici'
import { checkMediaUrl, isAllowListed, isPrivateAddress, PRIVATE_ADDRESS_REASON, type UrlPolicy } from './url-policy.ts'

export type MediaKind = 'audio' | 'video' | 'image'
export type Resolver = (host: string) => Promise<string[]>

export const DEFAULT_ACCEPT: Record<MediaKind, readonly string[]> = {
  audio: ['audio/mpeg', 'audio/mp4', 'audio/wav', 'audio/x-wav', 'audio/aac', 'audio/ogg', 'audio/flac'],
  video: ['video/mp4', 'video/quicktime', 'video/x-msvideo', 'video/x-matroska', 'video/mp2t', 'video/x-flv', 'video/mpeg', 'video/x-m4v'],
  image: ['image/jpeg', 'image/png', 'image/webp']
}

export interface PreflightOptions {
  /** Budget for the whole check: DNS, every hop and every redirect. */
  timeoutMs: number
  maxBytes: number
  /** Lower-case media types per kind; `video/*` matches a whole family. */
  accept: Record<MediaKind, readonly string[]>
  policy: UrlPolicy
  maxRedirects?: number
  /** When given it is used as is (and not closed): the connect-time address guard is then the caller's job. */
  dispatcher?: Dispatcher
  resolve?: Resolver
}

export interface Preflight {
  /** Null when the file looks fetchable, else a short reason fit for a field-level issue. */
  check: (url: string, kind: MediaKind) => Promise<string | null>
  close: () => Promise<void>
}

type Answer = { status: number, headers: Dispatcher.ResponseData['headers'] }

const REDIRECTS = new Set([301, 302, 303, 307, 308])
// Presigned object-store URLs are often signed for GET only, and some servers refuse HEAD.
const HEAD_REFUSED = new Set([403, 405, 501])
const TIMEOUTS = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])

export class BlockedAddressError extends Error {
  readonly code = 'ERR_BLOCKED_ADDRESS'
}

export const defaultResolve: Resolver = async (host) => (await lookup(host, { all: true })).map((a) => a.address)

export function createPreflight (opts: PreflightOptions): Preflight {
  const resolve = opts.resolve ?? defaultResolve
  const maxRedirects = opts.maxRedirects ?? 3
  const ownsDispatcher = opts.dispatcher === undefined
  // Resolving before connecting leaves a DNS-rebinding window (a second answer could be private),
  // so our own agent re-checks the addresses it actually connects to.
  const dispatcher = opts.dispatcher ?? new Agent({
    connect: { timeout: opts.timeoutMs, lookup: guardedLookup(resolve, opts.policy) },
    headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs
  })

  async function hostReason (url: URL, signal: AbortSignal): Promise<string | null> {
    if (isIP(url.hostname.replace(/^\[|\]$/g, '')) !== 0 || isAllowListed(url, opts.policy)) return null
    const addresses = await abortable(resolve(url.hostname), signal)
    if (addresses.length === 0) return 'could not be reached'
    return addresses.some(isPrivateAddress) ? PRIVATE_ADDRESS_REASON : null
  }

  async function probe (url: URL, signal: AbortSignal): Promise<Answer> {
    const send = async (method: 'HEAD' | 'GET'): Promise<Answer> => {
      const res = await request(url, {
        method,
        headers: { 'user-agent': 'tomoviee-bff-preflight', ...(method === 'GET' ? { range: 'bytes=0-0' } : {}) },
        dispatcher,
        signal
      })
      // Headers are all we need: drain a little in the background (keeps tiny answers' sockets
      // reusable) but never wait on, or read all of, a body a server streams despite the Range.
      res.body.dump({ limit: 65_536 }).catch(() => {})
      return { status: res.statusCode, headers: res.headers }
    }
    const head = await send('HEAD')
    return HEAD_REFUSED.has(head.status) ? send('GET') : head
  }

  function judge (res: Answer, kind: MediaKind): string | null {
    if (res.status < 200 || res.status >= 300) return `could not be fetched (HTTP ${res.status})`
    const type = header(res.headers, 'content-type')?.split(';')[0]?.trim().toLowerCase() ?? ''
    const accepted = opts.accept[kind].some((t) => t === type || (t.endsWith('/*') && type.startsWith(t.slice(0, -1))))
    if (!accepted) {
      const shown = /^[\w.+-]+\/[\w.+-]+$/.test(type) ? ` (got ${type})` : ''
      return `is not a supported ${kind} file${shown}; expected ${opts.accept[kind].join(', ')}`
    }
    // A 206 answer to the GET fallback carries the full size in Content-Range.
    const total = /\/(\d+)\s*$/.exec(header(res.headers, 'content-range') ?? '')?.[1]
    const size = Number(res.status === 206 && total !== undefined ? total : header(res.headers, 'content-length') ?? NaN)
    if (Number.isFinite(size) && size > opts.maxBytes) return `is larger than ${formatBytes(opts.maxBytes)}`
    return null
  }

  async function check (raw: string, kind: MediaKind): Promise<string | null> {
    const invalid = checkMediaUrl(raw, opts.policy)
    if (invalid !== null) return invalid
    const signal = AbortSignal.timeout(opts.timeoutMs)
    let url = new URL(raw)
    let hop = 0
    const onHop = (reason: string): string => (hop === 0 ? reason : `redirects to a URL that ${reason}`)
    try {
      for (; ; hop++) {
        const blocked = await hostReason(url, signal)
        if (blocked !== null) return onHop(blocked)
        const res = await probe(url, signal)
        const location = header(res.headers, 'location')
        if (!REDIRECTS.has(res.status) || location === undefined) return judge(res, kind)
        if (hop >= maxRedirects) return `redirects more than ${maxRedirects} times`
        const next = URL.canParse(location, url.href) ? new URL(location, url) : undefined
        const reason = next ? checkMediaUrl(next.href, opts.policy) : 'is not valid'
        if (reason !== null || !next) return `redirects to a URL that ${reason}`
        url = next
      }
    } catch (err) {
      if (hasCause(err, (e) => e instanceof BlockedAddressError)) return onHop(PRIVATE_ADDRESS_REASON)
      if (signal.aborted || hasCause(err, (e) => TIMEOUTS.has(String((e as { code?: unknown }).code)))) return 'could not be reached in time'
      return 'could not be reached'
    }
  }

  return {
    check,
    close: async () => { if (ownsDispatcher) await dispatcher.close() }
  }
}

/** A socket `lookup` that refuses hostnames resolving to any private address unless allow-listed. */
export function guardedLookup (resolve: Resolver, policy: UrlPolicy): NonNullable<TcpNetConnectOpts['lookup']> {
  return (hostname, options, callback) => {
    const allowed = policy.httpAllowHosts.some((e) => e === hostname || e.startsWith(`${hostname}:`))
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family
    resolve(hostname).then((all) => {
      if (!allowed && all.some(isPrivateAddress)) throw new BlockedAddressError(`${hostname} resolves to a private address`)
      const wanted = family === 4 || family === 6 ? all.filter((a) => isIP(a) === family) : all
      if (wanted[0] === undefined) throw Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' })
      return { first: wanted[0], wanted }
    }).then(
      ({ first, wanted }) => {
        if (options.all) callback(null, wanted.map((address) => ({ address, family: isIP(address) })))
        else callback(null, first, isIP(first))
      },
      (err: unknown) => callback(err as NodeJS.ErrnoException, '')
    )
  }
}

function header (headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const v = headers[name]
  return Array.isArray(v) ? v[0] : v
}

function formatBytes (n: number): string {
  return n >= 1_048_576 ? `${Math.round(n / 1_048_576)} MB` : `${n} bytes`
}

export function hasCause (err: unknown, test: (e: object) => boolean): boolean {
  for (let e = err, depth = 0; e !== null && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (test(e)) return true
  }
  return false
}

function abortable<T> (promise: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted()
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}
