import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { z } from 'zod'
import type { CapabilityInputs, ErrorCode, SseEventName, Task, TaskEvent, WebhookPayload } from '../../packages/client/src/index.ts'
import { CLIENT_TYPES_FILE, generateClientTypes } from '../../src/codegen/client-types.ts'
import type { ErrorCode as ServerErrorCode } from '../../src/errors.ts'
import { PROJECT_ROOT } from '../../src/meta.ts'
import type { textToMusic } from '../../src/providers/tomoviee/capabilities/text-to-music.ts'
import type { textToVideo } from '../../src/providers/tomoviee/capabilities/text-to-video.ts'
import { CAPABILITIES } from '../../src/tasks/capabilities/index.ts'
import type { SseEventNameSchema } from '../../src/sse/schemas.ts'
import type { Task as ServerTask, TaskEventSchema } from '../../src/tasks/model.ts'
import type { WebhookPayload as ServerWebhookPayload } from '../../src/webhooks/payload.ts'

// Compile-time half of the drift check: `npm run typecheck` fails when these stop being equal.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false
const same = <T extends true>(): T => true as T
same<Equal<Task, ServerTask>>()
same<Equal<ErrorCode, ServerErrorCode>>()
same<Equal<TaskEvent, z.infer<typeof TaskEventSchema>>>()
same<Equal<WebhookPayload, ServerWebhookPayload>>()
same<Equal<SseEventName, z.infer<typeof SseEventNameSchema>>>()
same<Equal<CapabilityInputs['text-to-music'], z.input<typeof textToMusic.input>>>()
same<Equal<CapabilityInputs['text-to-video'], z.input<typeof textToVideo.input>>>()

describe('the client package types', () => {
  it('match what the server schemas generate (run `npm run client:types` after changing a schema)', () => {
    expect(readFileSync(join(PROJECT_ROOT, CLIENT_TYPES_FILE), 'utf8')).toBe(generateClientTypes())
  })

  it('name every capability the server exposes', () => {
    const source = generateClientTypes()
    for (const def of CAPABILITIES) expect(source).toContain(`  "${def.name}": `)
  })
})
