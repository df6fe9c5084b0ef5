import { z } from 'zod'
import { OutputTypeSchema } from '../model.ts'
import { providerOfCapability } from './index.ts'
import type { CapabilityDefinition } from './types.ts'

export const CapabilitySchema = z.object({
  name: z.string().describe('Create with POST /v1/tasks/{name}'),
  provider: z.string().describe('The upstream service that runs it (tomoviee, tencent, ...)'),
  summary: z.string(),
  description: z.string(),
  outputType: OutputTypeSchema.describe('The first (main) kind of output; `outputTypes` lists them all'),
  outputTypes: z.array(OutputTypeSchema).min(1).describe('Every kind of output a task of this capability produces, main one first'),
  typicalSeconds: z.object({ min: z.int(), max: z.int() }).describe('Typical generation time upstream'),
  inputSchema: z.record(z.string(), z.unknown()).describe('JSON Schema (draft 2020-12) of the request body'),
  media: z.record(z.string(), z.enum(['video', 'image']))
    .describe('The request fields that name a media file, and which kind: each takes an https URL or "upload:<id>" of a finished upload (POST /v1/uploads); an array field (such as imageUrls) takes a list of them, each checked alike'),
  example: z.record(z.string(), z.unknown()).describe('A valid request body')
}).meta({ id: 'Capability' })
export type Capability = z.infer<typeof CapabilitySchema>

/** What a frontend needs to build a form for a capability, with the body's JSON Schema inlined. */
export function describeCapability (def: CapabilityDefinition): Capability {
  const { $defs, $ref, ...root } = z.toJSONSchema(def.input, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown> & { $defs?: Record<string, Record<string, unknown>>, $ref?: string }
  // The input carries a component id, so zod emits {$ref, $defs}; a form builder wants the object itself.
  const name = $ref?.replace('#/$defs/', '')
  const inputSchema = name && $defs?.[name] ? { ...root, ...$defs[name] } : { ...root, ...($ref ? { $ref, $defs } : {}) }
  return {
    name: def.name,
    provider: providerOfCapability(def.name) ?? '',
    summary: def.summary,
    description: def.description,
    outputType: def.outputs[0]!.type,
    outputTypes: [...new Set([...def.outputs.map((o) => o.type), ...(def.inlineOutputs ?? [])])],
    typicalSeconds: def.typicalSeconds,
    inputSchema,
    media: { ...def.media },
    example: def.example as Record<string, unknown>
  }
}
