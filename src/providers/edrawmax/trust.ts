/**
 * Which result URLs the BFF hands to clients. The document's own downloader fetches only https URLs
 * on EdrawMax's storage hosts; we hold results to the same rule, so a compromised or confused
 * upstream answer cannot point a client (or output custody) at an arbitrary host.
 */
export interface ResultHostPolicy {
  /** ".example.com" matches any host under example.com; an entry without a leading dot matches that host alone. */
  readonly suffixes: readonly string[]
  /** Plain http, for the simulator on loopback only. */
  readonly allowHttp: boolean
}

export const EDRAWMAX_RESULT_HOSTS: ResultHostPolicy = Object.freeze({
  suffixes: Object.freeze(['.aliyuncs.com', '.wondershare.com', '.edrawsoft.com', '.edrawmax.com']),
  allowHttp: false
})

/**
 * The simulator's results, served from loopback over http. Only the demo-mode wiring passes this;
 * no configuration variable reaches it, so production cannot be loosened by an environment typo.
 */
export const SIMULATOR_RESULT_HOSTS: ResultHostPolicy = Object.freeze({
  suffixes: Object.freeze(['127.0.0.1', 'localhost']),
  allowHttp: true
})

/** Null when `url` may be used, else why not (for the log: never the URL, which may be signed). */
export function untrustedReason (url: string, policy: ResultHostPolicy): string | null {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return 'not a URL'
  }
  if (parsed.protocol !== 'https:' && !(policy.allowHttp && parsed.protocol === 'http:')) return `scheme ${parsed.protocol} is not allowed`
  if (parsed.username !== '' || parsed.password !== '') return 'credentials in the URL'
  const host = parsed.hostname.toLowerCase()
  const trusted = policy.suffixes.some((s) => s.startsWith('.') ? host.endsWith(s) && host.length > s.length : host === s)
  return trusted ? null : 'host is not an EdrawMax storage host'
}
