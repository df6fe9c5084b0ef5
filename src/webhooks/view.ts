import { z } from 'zod'
import type { OutboxMessage } from '../store/types.ts'
import { TaskEventTypeSchema } from '../tasks/model.ts'
import { TASK_ENDPOINT, type Endpoint } from './endpoints.ts'

export const DeliverySchema = z.object({
  id: z.string().describe('The message id, sent as `webhook-id` on every attempt'),
  event: TaskEventTypeSchema,
  endpoint: z.string().describe('Host (and port) of the receiving endpoint'),
  state: z.enum(['pending', 'delivered', 'failed']).describe('pending: an attempt is due or scheduled; delivered: a 2xx answer; failed: the retry schedule ran out'),
  attempts: z.int().min(0).describe('Attempts since the message was (re)scheduled'),
  lastStatus: z.int().nullable().describe('HTTP status of the last answer; null before the first attempt or when none came'),
  lastError: z.string().nullable().describe('Why the last attempt failed, e.g. "answered 500" or "timed out"'),
  lastAttemptAt: z.iso.datetime().nullable(),
  nextAttemptAt: z.iso.datetime().nullable().describe('When the next attempt is due; null once delivered or given up'),
  createdAt: z.iso.datetime()
}).meta({ id: 'Delivery' })
export type Delivery = z.infer<typeof DeliverySchema>

export const DeliveryListSchema = z.object({ items: z.array(DeliverySchema) }).meta({ id: 'DeliveryList' })

const iso = (ms: number | null): string | null => ms === null ? null : new Date(ms).toISOString()

/** The owner's view of a message: the endpoint by host only, never its URL or secret. */
export function toDelivery (m: OutboxMessage, endpoints: ReadonlyMap<string, Endpoint>): Delivery {
  const host = m.endpoint === TASK_ENDPOINT && m.url ? new URL(m.url).host : endpoints.get(m.endpoint)?.host ?? 'removed endpoint'
  return {
    id: m.id,
    event: m.type,
    endpoint: host,
    state: m.state,
    attempts: m.attempts,
    lastStatus: m.lastStatus,
    lastError: m.lastError,
    lastAttemptAt: iso(m.lastAttemptAt),
    nextAttemptAt: iso(m.nextAttemptAt),
    createdAt: new Date(m.createdAt).toISOString()
  }
}
