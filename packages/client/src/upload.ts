import { backoffMs, sleep } from './backoff.ts'
import { BffClientError, errorFromResponse, readJson } from './errors.ts'
import type { Http } from './http.ts'

export interface UploadOptions {
  /** Called after each chunk with the bytes the server has and the file's size. */
  onProgress?: (sent: number, total: number) => void
  /** Aborts the upload; what was sent stays on the server until it expires. */
  signal?: AbortSignal
  /** Bytes per PATCH request. Default 8 MiB: small enough to resume cheaply on a phone. */
  chunkSize?: number
  /** Network failures in a row before giving up; each is followed by asking the server where to resume. */
  retries?: number
  /** Sent as tus metadata; default: the File's name. */
  filename?: string
}

const TUS = { 'tus-resumable': '1.0.0' }
const b64 = (s: string): string => btoa(String.fromCharCode(...new TextEncoder().encode(s)))

/**
 * A tus 1.0 upload on the protocol's few requests (POST to create, PATCH per chunk, HEAD to learn
 * the offset after a failure). Resolves to the reference a task's media field accepts.
 */
export async function uploadBlob (http: Http, file: Blob, opts: UploadOptions = {}): Promise<string> {
  const chunkSize = opts.chunkSize ?? 8 * 1024 * 1024
  const retries = opts.retries ?? 5
  const filename = opts.filename ?? (file as Blob & { name?: string }).name
  const metadata = [filename ? `filename ${b64(filename)}` : '', file.type ? `filetype ${b64(file.type)}` : ''].filter(Boolean).join(',')

  async function send (url: string, init: { method: string, headers?: Record<string, string>, body?: Blob }): Promise<Response> {
    const res = await http.fetch(url, { ...init, headers: { ...TUS, authorization: await http.authorization(), ...init.headers }, signal: opts.signal })
    if (res.ok) return res
    throw errorFromResponse(res, await readJson(res).catch(() => undefined))
  }

  const created = await send(http.url('/v1/uploads'), { method: 'POST', headers: { 'upload-length': String(file.size), ...(metadata ? { 'upload-metadata': metadata } : {}) } })
  const location = created.headers.get('location')
  if (!location) throw new BffClientError(created.status, 'BFF_CLIENT_ERR_BAD_RESPONSE', 'The upload was created without a Location')
  const url = new URL(location, http.url('/v1/uploads')).href
  let offset = 0
  for (let failures = 0; offset < file.size || file.size === 0;) {
    try {
      const res = await send(url, {
        method: 'PATCH',
        headers: { 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream' },
        body: file.slice(offset, offset + chunkSize)
      })
      offset = Number(res.headers.get('upload-offset') ?? NaN)
      if (!Number.isFinite(offset)) throw new BffClientError(res.status, 'BFF_CLIENT_ERR_BAD_RESPONSE', 'The server did not say how much it has')
      failures = 0
      opts.onProgress?.(offset, file.size)
      if (file.size === 0) break
    } catch (err) {
      if (opts.signal?.aborted || err instanceof BffClientError) throw err
      if (++failures > retries) throw new BffClientError(0, 'BFF_CLIENT_ERR_NETWORK', 'The upload was interrupted too often', { cause: err })
      await sleep(backoffMs(failures, 250, 4000), opts.signal)
      // The failed request may have delivered part of its bytes: resume where the server stopped.
      offset = Number((await send(url, { method: 'HEAD' }).catch(() => null))?.headers.get('upload-offset') ?? offset)
    }
  }
  return `upload:${url.slice(url.lastIndexOf('/') + 1)}`
}
