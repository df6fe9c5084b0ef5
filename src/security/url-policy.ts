import { isIP } from 'node:net'
import { BffError, type ErrorBody } from '../errors.ts'
import { checkHostName } from './host-names.ts'

/** Which URLs the BFF passes on: inputs to the gateway, which fetches them, and outputs to clients. */
export interface UrlPolicy {
  /** Lower-case hostnames, or `host:port`, that may use plain http and may be private (e.g. a local simulator). */
  httpAllowHosts: readonly string[]
  /** More names refused: `name`, or `.domain` for a domain and everything below it. */
  denyHosts?: readonly string[]
}

export const MAX_URL_LENGTH = 2048
export const PRIVATE_ADDRESS_REASON = 'must not point to a private, loopback or link-local address'

// The gateway parses the raw string, not our normalised URL: characters WHATWG silently drops or
// rewrites (tabs, newlines, `\` as `/`) are where two parsers disagree about the host.
const AMBIGUOUS_CHARS = /[\u0000-\u001f\u007f\\]/

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' }

/** Null when the URL may be handed to the gateway, else a short reason fit for a field-level issue. */
export function checkMediaUrl (raw: string, policy: UrlPolicy): string | null {
  if (raw.length > MAX_URL_LENGTH) return `must be at most ${MAX_URL_LENGTH} characters`
  if (AMBIGUOUS_CHARS.test(raw)) return 'must not contain control characters or backslashes'
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return 'must be a valid URL'
  }
  const allowListed = isAllowListed(url, policy)
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowListed)) return 'must use https'
  if (url.username !== '' || url.password !== '') return 'must not contain credentials'
  if (allowListed) return null
  const host = url.hostname.replace(/\.+$/, '')
  // WHATWG has already turned decimal, octal and hex hosts (2130706433, 0x7f.1) into dotted form.
  if (isIP(unbracket(host)) !== 0) return isPrivateAddress(host) ? PRIVATE_ADDRESS_REASON : null
  return checkHostName(host, policy.denyHosts ?? [], isPrivateAddress)
}

/** True when the URL's host (with or without its port) is on the allow-list. */
export function isAllowListed (url: URL, policy: UrlPolicy): boolean {
  const port = url.port !== '' ? url.port : DEFAULT_PORTS[url.protocol]
  return policy.httpAllowHosts.some((entry) => {
    const e = entry.toLowerCase()
    return e === url.hostname || e === unbracket(url.hostname) || e === `${url.hostname}:${port}`
  })
}

/**
 * Checks media values (one per URL field, one per element of a URL array field; see
 * src/tasks/media-fields.ts) and throws one validation error listing every failing value, so a
 * client fixes all of them in one round trip.
 */
export function assertMediaUrls (values: readonly { path: string, value: unknown }[], policy: UrlPolicy): void {
  const issues: NonNullable<ErrorBody['issues']> = []
  for (const { path, value } of values) {
    const reason = typeof value === 'string' ? checkMediaUrl(value, policy) : 'must be an http(s) URL'
    if (reason !== null) issues.push({ path: `body.${path}`, message: reason })
  }
  const first = issues[0]
  if (first) throw new BffError('BFF_ERR_VALIDATION', `${first.path}: ${first.message}`, { issues })
}

/**
 * True for addresses a public media URL has no business pointing at: private, loopback,
 * link-local, unique-local, CGNAT, multicast, documentation and other reserved ranges, including
 * v4 addresses embedded in v6 (mapped, 6to4, NAT64). False for anything that is not an IP address.
 */
export function isPrivateAddress (ip: string): boolean {
  const bare = unbracket(ip).replace(/%.*$/, '')
  const family = isIP(bare)
  if (family === 4) return isPrivateV4(v4ToInt(bare))
  if (family === 6) return isPrivateV6(v6Words(bare))
  return false
}

function unbracket (host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
}

function v4ToInt (ip: string): number {
  return ip.split('.').reduce((n, part) => (n * 256) + Number(part), 0)
}

const V4_RESERVED = ([
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16],
  ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4]
] as const).map(([base, bits]) => ({ base: v4ToInt(base), size: 2 ** (32 - bits) }))

function isPrivateV4 (n: number): boolean {
  return V4_RESERVED.some((r) => n >= r.base && n < r.base + r.size)
}

/** The eight 16-bit words of a v6 address already validated by isIP. */
function v6Words (ip: string): number[] {
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip)
  const hex = dotted
    ? ip.slice(0, dotted.index) + [[1, 2], [3, 4]].map(([a = 0, b = 0]) => ((Number(dotted[a]) << 8) | Number(dotted[b])).toString(16)).join(':')
    : ip
  const [head = '', tail] = hex.split('::')
  const parse = (s: string | undefined): number[] => (s ? s.split(':').map((w) => parseInt(w, 16)) : [])
  const h = parse(head)
  const t = parse(tail)
  return [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t]
}

function isPrivateV6 (words: number[]): boolean {
  const [w0 = 0, w1 = 0, w2 = 0, w3 = 0, w4 = 0, w5 = 0, w6 = 0, w7 = 0] = words
  const embedded = (hi: number, lo: number): boolean => isPrivateV4((hi * 65536) + lo)
  const upperZero = w0 === 0 && w1 === 0 && w2 === 0 && w3 === 0 && w4 === 0
  if (upperZero && w5 === 0xffff) return embedded(w6, w7) // ::ffff:a.b.c.d
  if (upperZero && w5 === 0) return true // ::, ::1 and the deprecated ::a.b.c.d
  if (w0 === 0x64 && w1 === 0xff9b && w2 === 0 && w3 === 0 && w4 === 0 && w5 === 0) return embedded(w6, w7) // NAT64
  if (w0 === 0x2002) return embedded(w1, w2) // 6to4
  // Only 2000::/3 is global unicast; this also covers fc00::/7, fe80::/10, ff00::/8 and the rest.
  if ((w0 & 0xe000) !== 0x2000) return true
  if (w0 === 0x2001 && w1 < 0x200) return true // 2001::/23 protocol assignments, incl. Teredo
  if (w0 === 0x2001 && w1 === 0xdb8) return true // documentation
  if (w0 === 0x3fff && w1 < 0x1000) return true // documentation (3fff::/20)
  return false
}
