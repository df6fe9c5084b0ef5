import type { OutboxRouting } from '../store/types.ts'
import { wants } from './endpoints.ts'
import type { WebhookSettings } from './config.ts'

/** What the stores need to write each event's messages; the worker sets `enqueued` to hear of them. */
export function outboxRouting (settings: WebhookSettings): OutboxRouting | undefined {
  const { endpoints } = settings
  const taskWebhooks = settings.allowHosts.length > 0
  if (endpoints.length === 0 && !taskWebhooks) return undefined
  return {
    endpoints: (owner, type) => endpoints.filter((e) => wants(e, owner, type)).map((e) => e.key),
    taskWebhooks
  }
}
