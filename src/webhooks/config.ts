import { z } from 'zod'
import { parseEndpoints, type Endpoint } from './endpoints.ts'
import { DEFAULT_RETRY_SCHEDULE, parseSchedule } from './schedule.ts'
import { decodeSecret } from './signing.ts'

/** Outbound webhooks to the app's own backend, as configured. */
export interface WebhookSettings {
  endpoints: Endpoint[]
  /** Hosts (host or host:port) a create may name in `webhookUrl`; empty: none. */
  allowHosts: string[]
  /** Signs deliveries to per-task URLs; set whenever allowHosts is not empty. */
  taskSecret: Buffer | null
  /** Delay after each failed attempt (ms). */
  retryDelaysMs: number[]
  timeoutMs: number
  maxAnswerBytes: number
  concurrency: number
  pollMs: number
  retentionMs: number
}

const positive = z.coerce.number().int().min(1)
const refine = <T>(parse: (raw: string) => T | string) => z.string().transform((raw, ctx): T => {
  const result = parse(raw)
  if (typeof result !== 'string') return result
  ctx.addIssue({ code: 'custom', message: result })
  return z.NEVER
})

/** The variables, spread into the one ConfigSchema. */
export const WEBHOOK_ENV = {
  WEBHOOK_ENDPOINTS: refine(parseEndpoints).optional()
    .describe('Your backend\'s webhook endpoints, a JSON array of {"url", "secret" (whsec_<base64>), "events"? (event names or "task.*"; default every event), "owners"? (default every owner)}; deliveries are signed per Standard Webhooks.'),
  WEBHOOK_ALLOW_HOSTS: z.string().transform((raw) => raw.split(',').map((v) => v.trim().toLowerCase()).filter(Boolean)).optional()
    .describe('Hosts (host or host:port) a create may name in `webhookUrl`, comma-separated; they may use http and private addresses. Unset: per-task webhook URLs are refused.'),
  WEBHOOK_TASK_SECRET: refine((raw) => decodeSecret(raw) ?? 'must be whsec_ followed by base64 of at least 24 bytes').optional()
    .describe('Secret (whsec_<base64>) that signs deliveries to per-task `webhookUrl`s; required with WEBHOOK_ALLOW_HOSTS.'),
  WEBHOOK_RETRY_SCHEDULE: refine(parseSchedule).default(parseSchedule(DEFAULT_RETRY_SCHEDULE) as number[])
    .describe(`Delays before each retry of a failed delivery, comma-separated (ms, s, m, h); after the last one the message is given up. Default: ${DEFAULT_RETRY_SCHEDULE} (about 27 h).`),
  WEBHOOK_DELIVERY_TIMEOUT_MS: positive.default(15_000).describe('Longest one delivery attempt may take, connection and answer included.'),
  WEBHOOK_DELIVERY_MAX_ANSWER_BYTES: positive.default(16_384).describe('Bytes of a receiver\'s answer read at most; the rest is cut off.'),
  WEBHOOK_DELIVERY_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16).describe('Delivery attempts one instance runs at once.'),
  WEBHOOK_DELIVERY_POLL_MS: positive.default(1_000).describe('How often an instance looks for due deliveries (new events on the instance itself start at once).'),
  WEBHOOK_DELIVERY_RETENTION_MS: positive.default(7 * 86_400_000).describe('How long finished deliveries stay listed on GET /v1/tasks/{id}/deliveries.')
}

type Env = z.output<z.ZodObject<typeof WEBHOOK_ENV>>

/** Problems no single variable shows. */
export function webhookProblems (e: Env): string[] {
  return e.WEBHOOK_ALLOW_HOSTS?.length && !e.WEBHOOK_TASK_SECRET
    ? ['WEBHOOK_TASK_SECRET: required with WEBHOOK_ALLOW_HOSTS (it signs deliveries to per-task webhookUrls)']
    : []
}

export function webhookSettings (e: Env): WebhookSettings {
  return {
    endpoints: e.WEBHOOK_ENDPOINTS ?? [],
    allowHosts: e.WEBHOOK_ALLOW_HOSTS ?? [],
    taskSecret: e.WEBHOOK_TASK_SECRET ?? null,
    retryDelaysMs: e.WEBHOOK_RETRY_SCHEDULE,
    timeoutMs: e.WEBHOOK_DELIVERY_TIMEOUT_MS,
    maxAnswerBytes: e.WEBHOOK_DELIVERY_MAX_ANSWER_BYTES,
    concurrency: e.WEBHOOK_DELIVERY_CONCURRENCY,
    pollMs: e.WEBHOOK_DELIVERY_POLL_MS,
    retentionMs: e.WEBHOOK_DELIVERY_RETENTION_MS
  }
}
