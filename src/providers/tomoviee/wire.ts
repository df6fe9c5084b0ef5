import { z } from 'zod'

/** `result` is a JSON-encoded string upstream; tolerate an object too (the callback is undocumented). */
export const UpstreamResultSchema = z.union([
  z.string().transform((s, ctx) => {
    if (s.trim() === '') return null
    try {
      const value: unknown = JSON.parse(s)
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>
    } catch {}
    ctx.addIssue({ code: 'custom', message: 'result is not a JSON object' })
    return z.NEVER
  }),
  z.record(z.string(), z.unknown()),
  z.null()
])

export const UpstreamStatusSchema = z.int().min(1).max(6)

/** Every gateway answer: `code` 0 means success. */
export const EnvelopeSchema = z.object({
  code: z.number(),
  msg: z.string().nullish(),
  data: z.unknown().optional()
})

export const CreateDataSchema = z.object({ task_id: z.union([z.string().min(1), z.number()]).transform(String) })

export const TaskDataSchema = z.object({
  task_id: z.union([z.string(), z.number()]).transform(String).optional(),
  status: UpstreamStatusSchema,
  progress: z.coerce.number().optional().catch(undefined),
  result: UpstreamResultSchema.optional(),
  reason: z.string().nullish(),
  params: z.string().nullish().catch(undefined)
})

/**
 * The body the gateway POSTs to our callback URL (documented only for audio, with status 3), written
 * once: the provider parses callbacks with it and the simulator writes them as its input type.
 */
export const CallbackPayloadSchema = z.object({
  task_id: z.union([z.string().min(1), z.number()]).transform(String),
  status: UpstreamStatusSchema,
  result: UpstreamResultSchema.optional(),
  params: z.string().nullish(),
  progress: z.coerce.number().optional().catch(undefined),
  reason: z.string().nullish()
})
export type CallbackPayload = z.output<typeof CallbackPayloadSchema>
/** A callback as the simulator writes it: `result` as the JSON-encoded string the gateway sends. */
export type CallbackWire = z.input<typeof CallbackPayloadSchema>
