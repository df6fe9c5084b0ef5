import { createHmac } from 'node:crypto'

/** A Standard Webhooks secret (`whsec_<base64>`) as bytes, or null when malformed or shorter than 24 bytes. */
export function decodeSecret (secret: string): Buffer | null {
  const match = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret.trim())
  if (!match) return null
  const bytes = Buffer.from(match[1]!, 'base64')
  return bytes.length >= 24 ? bytes : null
}

/** Standard Webhooks' header names; the OpenAPI document's webhook describes the same ones. */
export const SIGNATURE_HEADERS = { id: 'webhook-id', timestamp: 'webhook-timestamp', signature: 'webhook-signature' } as const

/** The headers of one attempt: the id stays across retries, the timestamp and signature are the attempt's. */
export function signedHeaders (secret: Buffer, id: string, timestampSec: number, body: string): Record<string, string> {
  const signature = createHmac('sha256', secret).update(`${id}.${timestampSec}.${body}`).digest('base64')
  return { [SIGNATURE_HEADERS.id]: id, [SIGNATURE_HEADERS.timestamp]: String(timestampSec), [SIGNATURE_HEADERS.signature]: `v1,${signature}` }
}
