import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Bytes that open like an MP4 (an ftyp box with brand isom), then noise. */
export function fakeMp4 (size: number): Buffer {
  const buf = randomBytes(size)
  Buffer.from([0, 0, 0, 0x18]).copy(buf, 0)
  Buffer.from('ftypisom', 'latin1').copy(buf, 4)
  return buf
}

export const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(200)])

export const mediaDir = (): string => mkdtempSync(join(tmpdir(), 'bff-uploads-'))

const b64 = (s: string): string => Buffer.from(s).toString('base64')

/** A bare tus creation request (optionally creation-with-upload), as any tus client sends it. */
export async function tusCreate (base: string, headers: Record<string, string>, length: number, body?: Uint8Array, metadata: Record<string, string> = {}): Promise<Response> {
  const meta = Object.entries(metadata).map(([k, v]) => `${k} ${b64(v)}`).join(',')
  return fetch(`${base}/v1/uploads`, {
    method: 'POST',
    headers: {
      ...headers,
      'tus-resumable': '1.0.0',
      'upload-length': String(length),
      ...(meta ? { 'upload-metadata': meta } : {}),
      ...(body ? { 'content-type': 'application/offset+octet-stream' } : {})
    },
    ...(body ? { body } : {})
  })
}

export async function tusPatch (url: string, headers: Record<string, string>, offset: number, body: Uint8Array): Promise<Response> {
  return fetch(url, {
    method: 'PATCH',
    headers: { ...headers, 'tus-resumable': '1.0.0', 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream' },
    body
  })
}

export async function tusHead (url: string, headers: Record<string, string>): Promise<Response> {
  return fetch(url, { method: 'HEAD', headers: { ...headers, 'tus-resumable': '1.0.0' } })
}

/** The absolute upload URL and its id from a creation answer. */
export function locationOf (base: string, res: Response): { url: string, id: string } {
  const location = res.headers.get('location')
  if (!location) throw new Error(`no Location (status ${res.status})`)
  const url = new URL(location, `${base}/v1/uploads`).href
  return { url, id: url.slice(url.lastIndexOf('/') + 1) }
}
