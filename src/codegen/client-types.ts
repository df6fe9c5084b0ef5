import { z } from 'zod'
import { ErrorCodeSchema } from '../errors.ts'
import { CAPABILITIES, pascalCase } from '../tasks/capabilities/index.ts'
import { CapabilitySchema } from '../tasks/capabilities/describe.ts'
import { SseEventNameSchema, TasksResetSchema } from '../sse/schemas.ts'
import {
  FileOutputSchema, OutputCustodySchema, OutputSchema, OutputTypeSchema, SourceOutputSchema, TaskErrorSchema, TaskEventSchema, TaskEventTypeSchema, TaskSchema, TaskStatusSchema
} from '../tasks/model.ts'
import { MetadataSchema } from '../tasks/metadata.ts'
import { WebhookPayloadSchema } from '../webhooks/payload.ts'
import { DeliverySchema } from '../webhooks/view.ts'
import { printType, type JsonSchema } from './ts-from-json-schema.ts'

/** Where the generated file lives, relative to the project root. */
export const CLIENT_TYPES_FILE = 'packages/client/src/generated.ts'

const HEADER = `// Generated from the server's zod schemas by \`npm run client:types\`; do not edit.
// test/client/types.test.ts fails when this file and the schemas drift apart.
`

function toJsonSchema (schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const json = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as JsonSchema & { $defs?: Record<string, JsonSchema>, $ref?: string }
  const name = json.$ref?.replace('#/$defs/', '')
  return name && json.$defs?.[name] ? json.$defs[name] : json
}

const refName = (ref: string): string => ref.replace('#/$defs/', '')

function declaration (name: string, schema: z.ZodType, io: 'input' | 'output', doc: string): string {
  const json = toJsonSchema(schema, io)
  const type = printType(json, { refName })
  const keyword = type.startsWith('{') ? `interface ${name} ` : `type ${name} = `
  return `/** ${doc} */\nexport ${keyword}${type}\n`
}

/** The client's data types as TypeScript source, deterministic so a test can compare it with the committed file. */
export function generateClientTypes (): string {
  const parts = [
    HEADER,
    declaration('TaskStatus', TaskStatusSchema, 'output', 'Where a task is in its life: queued -> processing -> one of the terminal states.'),
    declaration('OutputType', OutputTypeSchema, 'output', 'The kind of output a task produced: a file kind, or `source` for inline text.'),
    declaration('ErrorCode', ErrorCodeSchema, 'output', 'The stable error codes of the BFF (the `code` of every error body).'),
    declaration('OutputCustody', OutputCustodySchema, 'output', 'Whether the BFF holds its own copy of an output (see the README, output custody).'),
    declaration('FileOutput', FileOutputSchema, 'output', 'One generated file, behind a URL.'),
    declaration('SourceOutput', SourceOutputSchema, 'output', 'Generated text carried inline (a diagram\'s source), with no file behind it.'),
    declaration('Output', OutputSchema, 'output', 'One thing a task produced: a file, or inline source text.'),
    declaration('TaskError', TaskErrorSchema, 'output', 'Why a task did not succeed.'),
    declaration('Metadata', MetadataSchema, 'output', 'Your own labels on a task: a flat object of string values, never sent to the provider.'),
    declaration('Task', TaskSchema, 'output', 'A generation task as the BFF returns it.'),
    declaration('TaskEventType', TaskEventTypeSchema, 'output', 'The name of a task event: `task.<status>`.'),
    declaration('TaskEvent', TaskEventSchema, 'output', 'A state change: `type` is `task.<status>` and `task` the full task after it; `id` is the SSE id.'),
    declaration('SseEventName', SseEventNameSchema, 'output', 'Every `event:` name an event stream carries.'),
    declaration('TasksReset', TasksResetSchema, 'output', 'The data of a `tasks.reset` event: the history since the resume point is gone.'),
    declaration('WebhookPayload', WebhookPayloadSchema, 'output', 'The body of a signed webhook message, for the app\'s backend that receives them.'),
    declaration('Capability', CapabilitySchema, 'output', 'A capability as GET /v1/capabilities describes it.'),
    declaration('Delivery', DeliverySchema, 'output', 'A signed webhook message of a task, as GET /v1/tasks/{id}/deliveries lists it.')
  ]
  for (const def of CAPABILITIES) {
    parts.push(declaration(`${pascalCase(def.name)}Input`, def.input, 'input', `The request body of POST /v1/tasks/${def.name} (defaulted fields are optional).`))
  }
  const entries = CAPABILITIES.map((def) => `  ${JSON.stringify(def.name)}: ${pascalCase(def.name)}Input`)
  parts.push(`/** The request body of each capability, by name. */\nexport interface CapabilityInputs {\n${entries.join('\n')}\n}\n`)
  return parts.join('\n')
}
