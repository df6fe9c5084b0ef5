import { z } from 'zod'
import { TaskEventTypeSchema, TaskSchema, type Task } from '../tasks/model.ts'
import type { OutboxMessage } from '../store/types.ts'

/**
 * The body of every webhook message: Standard Webhooks' `{type, timestamp, data}` with the task as
 * data. Written once; the client package's `WebhookPayload` type is generated from it.
 */
export const WebhookPayloadSchema = z.object({
  type: TaskEventTypeSchema,
  timestamp: z.iso.datetime().describe('The task\'s updatedAt: messages are not ordered, so order by this'),
  data: TaskSchema
}).meta({ id: 'WebhookPayload', description: 'The body of a signed webhook message: one task event' })
export type WebhookPayload = z.infer<typeof WebhookPayloadSchema>

/** The body sent for an outbox message (the same bytes on every attempt). */
export function payloadOf (m: Pick<OutboxMessage, 'type' | 'data'>): string {
  const task = JSON.parse(m.data) as Task
  const payload: WebhookPayload = { type: m.type, timestamp: task.updatedAt, data: task }
  return JSON.stringify(payload)
}
