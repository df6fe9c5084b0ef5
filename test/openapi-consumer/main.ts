// Compiled by `npm run openapi:types` against the types openapi-typescript generates from
// openapi.yaml: a frontend's view of the document. Not run; it only has to type-check.
import type { components, paths, webhooks } from '../../test-artifacts/openapi.ts'

type Task = components['schemas']['Task']
type MusicBody = NonNullable<paths['/v1/tasks/text-to-music']['post']['requestBody']>['content']['application/json']
type Created = paths['/v1/tasks/text-to-music']['post']['responses'][202]['content']['application/json']
type EventData = paths['/v1/events']['get']['responses'][200]['content']['text/event-stream']
type WebhookBody = webhooks['taskEvent']['post']['requestBody']['content']['application/json']
type WebhookHeaders = webhooks['taskEvent']['post']['parameters']['header']
type StreamHeaders = NonNullable<paths['/v1/events']['get']['parameters']['header']>

// Defaulted fields stay optional: a client sends only what it means.
export const minimal: MusicBody = { prompt: 'Warm lo-fi hip hop' }
export const full: MusicBody = { prompt: 'Warm lo-fi hip hop', duration: 30, count: 2 }
// @ts-expect-error prompt is required
export const missing: MusicBody = { duration: 30 }

export const capability: Task['capability'] = 'text-to-music'
// @ts-expect-error capability names are an enum
export const unknownCapability: Task['capability'] = 'text-to-musik'

export function progressOf (task: Created): number {
  return task.progress
}

export function describeEvent (data: EventData): string {
  if ('tasks' in data) return `reset: ${data.tasks.length} unfinished tasks`
  if ('status' in data) return `${data.id} is ${data.status} (${data.progress}%)`
  return `shutdown: ${data.reason}`
}

export const resume: StreamHeaders = { 'last-event-id': '42' }

// A receiver's view of the webhook: its body is a task event, its headers the signature.
export function describeWebhook (body: WebhookBody, headers: WebhookHeaders): string {
  return `${headers['webhook-id']}: ${body.type} for ${body.data.id} (${body.data.status})`
}
