import { request } from 'undici'

/** One input file the simulator fetched, as a test may inspect it. */
export interface FetchedInput { field: string, url: string, status: number, bytes: number }

export interface InputFetchOptions {
  /** Hosts (`host` for any port, or `host:port`) the simulator may reach; other URLs are assumed fine and not fetched. */
  hosts: readonly string[]
  timeoutMs: number
}

// These name where results go, not files to fetch.
const NOT_INPUTS = new Set(['callback'])

const allowed = (url: URL, hosts: readonly string[]): boolean => hosts.includes(url.hostname) || hosts.includes(url.host)

/**
 * Fetches every input URL of a create body that the simulator is allowed to reach, as the real
 * gateway must fetch its inputs. Returns what it fetched and, when one fetch failed, why.
 */
export async function fetchInputs (body: Readonly<Record<string, unknown>>, opts: InputFetchOptions): Promise<{ fetched: FetchedInput[], problem: string | null }> {
  const fetched: FetchedInput[] = []
  // The same URL may be sent under two upstream names (file_link and video); fetch it once.
  const seen = new Set<string>()
  for (const [field, value] of Object.entries(body)) {
    if (NOT_INPUTS.has(field) || typeof value !== 'string' || !/^https?:\/\//.test(value) || seen.has(value)) continue
    const url = new URL(value)
    if (!allowed(url, opts.hosts)) continue
    seen.add(value)
    try {
      const res = await request(url, { method: 'GET', maxRedirections: 0, headersTimeout: opts.timeoutMs, bodyTimeout: opts.timeoutMs, signal: AbortSignal.timeout(opts.timeoutMs) } as Parameters<typeof request>[1])
      let bytes = 0
      for await (const chunk of res.body) bytes += (chunk as Buffer).length
      fetched.push({ field, url: value, status: res.statusCode, bytes })
      if (res.statusCode !== 200 && res.statusCode !== 206) return { fetched, problem: `Input ${field} could not be fetched (HTTP ${res.statusCode})` }
    } catch {
      fetched.push({ field, url: value, status: 0, bytes: 0 })
      return { fetched, problem: `Input ${field} could not be fetched` }
    }
  }
  return { fetched, problem: null }
}
