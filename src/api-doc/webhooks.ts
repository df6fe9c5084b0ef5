/**
 * OpenAPI 3.1's top-level `webhooks`: the message the BFF POSTs to a client's webhook endpoint,
 * its body the `WebhookPayload` component (from WebhookPayloadSchema, like every component) and
 * its Standard Webhooks signature headers.
 */
import { WebhookPayloadSchema } from '../webhooks/payload.ts'
import { SIGNATURE_HEADERS } from '../webhooks/signing.ts'

type Json = Record<string, unknown>

const payloadId = WebhookPayloadSchema.meta()?.id
if (payloadId === undefined) throw new Error('WebhookPayloadSchema needs a component id')

const header = (name: string, description: string, schema: Json): Json => ({ name, in: 'header', required: true, description, schema })

const SIGNATURE_PARAMETERS = [
  header(SIGNATURE_HEADERS.id, 'The message id, the same on every attempt: deduplicate on it', { type: 'string', minLength: 1 }),
  header(SIGNATURE_HEADERS.timestamp, 'When this attempt was signed, in seconds since the epoch: refuse an old one', { type: 'string', pattern: '^[0-9]+$' }),
  header(SIGNATURE_HEADERS.signature,
    `\`v1,\` and the base64 HMAC-SHA256, keyed with the decoded \`whsec_\` secret, of \`<${SIGNATURE_HEADERS.id}>.<${SIGNATURE_HEADERS.timestamp}>.<body>\``,
    { type: 'string', pattern: '^v1,[A-Za-z0-9+/]+={0,2}$' })
]

export const WEBHOOKS_TAG = { name: 'webhooks', description: 'Messages the BFF sends to the webhook endpoints it is configured with' }

export const WEBHOOKS: Json = {
  taskEvent: {
    post: {
      operationId: 'taskEvent',
      summary: 'A task event, sent to each webhook endpoint that takes it',
      description: 'One signed message per event and endpoint (Standard Webhooks). Messages are not ordered: order by `timestamp`. Redirects are never followed.',
      tags: ['webhooks'],
      // The signature, not a bearer token, authenticates the BFF to the receiver.
      security: [],
      parameters: SIGNATURE_PARAMETERS,
      requestBody: { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${payloadId}` } } } },
      responses: {
        '2XX': { description: 'Delivered: any 2xx answer ends the message' },
        default: { description: 'Not delivered (a 3xx, any other status, or no answer in time): the message is retried on the schedule, with the same id' }
      }
    }
  }
}
