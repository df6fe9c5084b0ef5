/**
 * The last pass over the generated OpenAPI document: what the route schemas cannot say by
 * themselves. The document is plain JSON here; nothing in this file knows about Fastify.
 */
import { ERRORS } from '../errors.ts'
import { CAPABILITIES } from '../tasks/capabilities/index.ts'
import { WEBHOOKS, WEBHOOKS_TAG } from './webhooks.ts'

type Json = Record<string, unknown>
interface Operation extends Json { operationId?: string, security?: unknown[], requestBody?: Json, responses?: Record<string, Json> }

const ref = (name: string, kind = 'schemas'): Json => ({ $ref: `#/components/${kind}/${name}` })
const errorContent = { 'application/json': { schema: ref('Error') } }

const SUCCESS: Record<string, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted: the task is recorded and sent to the gateway; follow it on its event stream'
}

/** "What went wrong (the codes)": every code of that status, so generated docs say what to branch on. */
function describeStatus (status: string): string {
  if (SUCCESS[status]) return SUCCESS[status]
  // The callback's codes belong to the gateway's route, which is not in this document.
  const codes = Object.entries(ERRORS).filter(([code, e]) => String(e.status) === status && !code.startsWith('BFF_ERR_WEBHOOK_'))
  if (!codes.length) return 'Error'
  return codes.map(([code, e]) => `\`${code}\`: ${e.message}`).join('; ')
}

const HEADERS: Record<string, Json> = {
  RetryAfter: { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 0 } },
  RateLimitLimit: { description: 'Requests allowed per window (per client IP)', schema: { type: 'integer' } },
  RateLimitRemaining: { description: 'Requests left in the current window', schema: { type: 'integer' } },
  RateLimitReset: { description: 'Seconds until the window resets', schema: { type: 'integer' } },
  IdempotentReplayed: { description: '"true" when the answer is the original task of a repeated Idempotency-Key', schema: { type: 'string', enum: ['true'] } }
}
const rateLimitHeaders = {
  'x-ratelimit-limit': ref('RateLimitLimit', 'headers'),
  'x-ratelimit-remaining': ref('RateLimitRemaining', 'headers'),
  'x-ratelimit-reset': ref('RateLimitReset', 'headers')
}

function withHeaders (response: Json, headers: Json): Json {
  return { ...response, headers: { ...(response.headers as Json | undefined), ...headers } }
}

/** An event stream's schema is the `data` of its events (what SSE generators type); the frame goes beside it. */
function withSseFrame (response: Json): Json {
  const content = response.content as Record<string, Json> | undefined
  const stream = content?.['text/event-stream']
  if (!stream) return response
  return { ...response, content: { ...content, 'text/event-stream': { ...stream, 'x-sse-frame': ref('SseFrame'), 'x-sse-event-names': ref('SseEventName') } } }
}

function finishOperation (path: string, op: Operation): Operation {
  const responses: Record<string, Json> = { ...op.responses }
  const isPublic = !op.security?.length
  // Health checks are not rate limited; everything else is, per IP, and answers 429 when over.
  const limited = !path.startsWith('/healthz') && !path.startsWith('/readyz')
  if (limited) responses['429'] ??= { content: errorContent }
  if (op.requestBody) {
    responses['413'] ??= { content: errorContent }
    responses['415'] ??= { content: errorContent }
  }
  for (const [status, response] of Object.entries(responses)) {
    let next: Json = { ...response, description: describeStatus(status) }
    if (status === '429' || status === '503') next = withHeaders(next, { 'retry-after': ref('RetryAfter', 'headers') })
    if (limited) next = withHeaders(next, rateLimitHeaders)
    if (status === '202' && op.operationId?.startsWith('create')) next = withHeaders(next, { 'idempotent-replayed': ref('IdempotentReplayed', 'headers') })
    next = withSseFrame(next)
    responses[status] = next
  }
  const sorted = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)))
  return { ...op, ...(isPublic ? { security: [] } : {}), responses: sorted }
}

/** Enums the zod schemas keep as plain strings, so the task model does not depend on the capability registry. */
function withCapabilityEnums (schemas: Record<string, Json>): Record<string, Json> {
  const names = CAPABILITIES.map((c) => c.name)
  const out = { ...schemas }
  const setEnum = (schema: string, property: string): void => {
    const target = out[schema] as { properties?: Record<string, Json> } | undefined
    if (!target?.properties?.[property]) return
    out[schema] = { ...target, properties: { ...target.properties, [property]: { ...target.properties[property], enum: names } } }
  }
  setEnum('Task', 'capability')
  setEnum('Capability', 'name')
  return out
}

/**
 * Request bodies move to components.requestBodies with their schema inline: generators
 * (openapi-typescript among them) read a `default` as "always present" in a schema component,
 * which would make clients send every defaulted field; inside a request body they do not.
 */
function hoistRequestBodies (paths: Record<string, Record<string, Operation>>, schemas: Record<string, Json>): Record<string, Json> {
  const bodies: Record<string, Json> = {}
  for (const item of Object.values(paths)) {
    for (const op of Object.values(item)) {
      const content = op.requestBody?.content as Record<string, { schema?: { $ref?: string } }> | undefined
      const target = content?.['application/json']?.schema?.$ref
      const name = target?.replace('#/components/schemas/', '')
      if (!name || !schemas[name]) continue
      bodies[name] = { ...op.requestBody, content: { 'application/json': { schema: schemas[name] } } }
      op.requestBody = ref(name, 'requestBodies')
    }
  }
  return bodies
}

export interface FinishOptions {
  license: { name: string, identifier: string }
}

export function finishDocument<T> (input: T, opts: FinishOptions): T {
  const doc = input as Json & { info: Json, paths?: Record<string, Record<string, Operation>>, tags?: { name: string }[], components?: Json }
  const paths: Record<string, Record<string, Operation>> = {}
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    // The gateway's callback is not part of the client API: generators would emit a method for it.
    if (path.startsWith('/webhooks/')) continue
    paths[path] = Object.fromEntries(Object.entries(item).map(([method, op]) => [method, finishOperation(path, op)]))
  }
  const components = (doc.components ?? {}) as { schemas?: Record<string, Json>, headers?: Json }
  const requestBodies = hoistRequestBodies(paths, components.schemas ?? {})
  return {
    ...doc,
    info: { ...doc.info, license: opts.license },
    // Relative: the document is served by the BFF it describes, wherever that is deployed.
    servers: [{ url: '/', description: 'The BFF serving this document' }],
    // The gateway callback's tag gives way to the one of the messages clients receive.
    tags: [...(doc.tags ?? []).filter((t) => t.name !== 'webhooks'), WEBHOOKS_TAG],
    paths,
    webhooks: WEBHOOKS,
    components: { ...components, schemas: withCapabilityEnums(components.schemas ?? {}), requestBodies, headers: { ...components.headers, ...HEADERS } }
  } as T
}
