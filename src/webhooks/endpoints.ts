import { createHash } from 'node:crypto'
import { z } from 'zod'
import { TASK_EVENT_TYPES, type TaskEventType } from '../tasks/model.ts'
import { decodeSecret } from './signing.ts'

/** An endpoint of the app's own backend, configured by the deployment (WEBHOOK_ENDPOINTS). */
export interface Endpoint {
  /** Stable id of the endpoint in stored messages: a digest of its URL, never the URL itself. */
  key: string
  url: string
  /** For metrics, logs and the owner's view: host and port only (a query may carry a token). */
  host: string
  secret: Buffer
  /** Null: every event. */
  events: ReadonlySet<TaskEventType> | null
  /** Null: every owner. */
  owners: ReadonlySet<string> | null
}

/** Messages for a task's own `webhookUrl` name this instead of a configured endpoint's key. */
export const TASK_ENDPOINT = 'task'

export const endpointKey = (url: string): string => createHash('sha256').update(url).digest('hex').slice(0, 12)

const EntrySchema = z.object({
  url: z.string(),
  secret: z.string(),
  events: z.array(z.string()).optional(),
  owners: z.array(z.string().min(1)).optional()
}).strict()

/** Whether the endpoint wants this event of this owner. */
export function wants (endpoint: Endpoint, owner: string, type: TaskEventType): boolean {
  return (endpoint.events === null || endpoint.events.has(type)) && (endpoint.owners === null || endpoint.owners.has(owner))
}

/**
 * Parses the JSON of WEBHOOK_ENDPOINTS. Returns the endpoints or one reason naming the entry; a
 * reason never repeats a secret.
 */
export function parseEndpoints (raw: string): Endpoint[] | string {
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    return 'must be a JSON array of {"url", "secret", "events"?, "owners"?}'
  }
  if (!Array.isArray(value)) return 'must be a JSON array of {"url", "secret", "events"?, "owners"?}'
  const endpoints: Endpoint[] = []
  for (const [i, item] of value.entries()) {
    const at = `entry ${i + 1}`
    const parsed = EntrySchema.safeParse(item)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!
      return `${at}: ${issue.path.length ? `"${issue.path.join('.')}" ` : ''}${issue.code === 'unrecognized_keys' ? 'has unknown fields (url, secret, events, owners are known)' : 'is missing or of the wrong type'}`
    }
    const entry = parsed.data
    let url: URL
    try {
      url = new URL(entry.url)
    } catch {
      return `${at}: "url" is not a URL`
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return `${at}: "url" must be http(s)`
    if (url.username || url.password) return `${at}: "url" must not carry credentials`
    const secret = decodeSecret(entry.secret)
    if (!secret) return `${at}: "secret" must be whsec_ followed by base64 of at least 24 bytes`
    const events = entry.events === undefined || entry.events.includes('task.*') ? null : new Set<TaskEventType>()
    for (const name of entry.events ?? []) {
      if (name === 'task.*') continue
      if (!(TASK_EVENT_TYPES as readonly string[]).includes(name)) return `${at}: unknown event "${name}" (known: task.*, ${TASK_EVENT_TYPES.join(', ')})`
      events?.add(name as TaskEventType)
    }
    const key = endpointKey(url.href)
    if (endpoints.some((e) => e.key === key)) return `${at}: repeats the url of an earlier entry`
    endpoints.push({ key, url: url.href, host: url.host, secret, events, owners: entry.owners ? new Set(entry.owners) : null })
  }
  return endpoints
}
