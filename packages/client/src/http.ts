import { backoffMs, sleep } from './backoff.ts'
import { BffClientError, errorFromResponse, readJson } from './errors.ts'
import type { ClientOptions } from './types.ts'

export interface JsonRequest {
  method?: 'GET' | 'POST'
  body?: unknown
  headers?: Record<string, string>
  signal?: AbortSignal | undefined
  /** Retries after a network failure; only for requests that are safe to repeat. */
  networkRetries?: number
}

export interface Http {
  readonly fetch: typeof fetch
  /** True when the credentials are a function, which may hand out a fresher JWT on the next call. */
  readonly refreshable: boolean
  url: (path: string) => string
  authorization: () => Promise<string>
  json: <T>(path: string, init?: JsonRequest) => Promise<T>
}

export function createHttp (opts: ClientOptions): Http {
  const base = opts.baseUrl.replace(/\/+$/, '')
  // Called unbound, the browser's fetch throws "Illegal invocation".
  const fetchImpl: typeof fetch = opts.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const { credentials } = opts
  const refreshable = typeof credentials === 'function'
  const url = (path: string): string => base + path
  const authorization = async (): Promise<string> => `Bearer ${typeof credentials === 'string' ? credentials : await credentials()}`

  async function json<T> (path: string, init: JsonRequest = {}): Promise<T> {
    const retries = init.networkRetries ?? 0
    let authRetried = false
    for (let failures = 0; ;) {
      const headers: Record<string, string> = { accept: 'application/json', authorization: await authorization(), ...init.headers }
      if (init.body !== undefined) headers['content-type'] = 'application/json'
      let res: Response
      let body: unknown
      try {
        res = await fetchImpl(url(path), {
          method: init.method ?? 'GET',
          headers,
          body: init.body === undefined ? undefined : JSON.stringify(init.body),
          signal: init.signal
        })
        body = await readJson(res)
      } catch (err) {
        if (init.signal?.aborted) throw err
        if (failures >= retries) throw new BffClientError(0, 'BFF_CLIENT_ERR_NETWORK', 'The BFF could not be reached', { cause: err })
        failures++
        await sleep(backoffMs(failures, 250, 2000), init.signal)
        continue
      }
      if (res.ok) {
        if (body === undefined) throw new BffClientError(res.status, 'BFF_CLIENT_ERR_BAD_RESPONSE', 'The BFF answered something that is not JSON')
        return body as T
      }
      const error = errorFromResponse(res, body)
      // A refreshing credentials function may hold a newer JWT by now: worth exactly one more try.
      if (error.code === 'BFF_ERR_AUTH_EXPIRED' && refreshable && !authRetried) {
        authRetried = true
        continue
      }
      throw error
    }
  }

  return { fetch: fetchImpl, refreshable, url, authorization, json }
}
