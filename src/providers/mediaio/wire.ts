import { z } from 'zod'
import type { ModelSpec } from './models.ts'

/**
 * Media.io's wire format, one copy shared by the client and the simulator. Every parameter is a
 * string inside a top-level `data` object; every answer is `{code, msg, data, trace_id}`.
 */

export const MEDIAIO_CODES = {
  OK: 0,
  /** From the skill text: not authenticated. */
  NOT_AUTHENTICATED: 374004,
  INVALID_KEY: 40001,
  EXPIRED_KEY: 40002,
  TASK_NOT_FOUND: 40003,
  INSUFFICIENT_CREDITS: 490505,
  /** Not documented: the simulator's answer to a body that breaks a documented limit. */
  INVALID_PARAMETER: 40000
} as const
export const AUTH_CODES: readonly number[] = [MEDIAIO_CODES.NOT_AUTHENTICATED, MEDIAIO_CODES.INVALID_KEY, MEDIAIO_CODES.EXPIRED_KEY]

/** Both vocabularies the document uses (skill overview and Task Result reference). */
export const KNOWN_STATUSES = ['waiting', 'pending', 'processing', 'completed', 'succeeded', 'failed', 'timeout'] as const

const stringEnum = (values: readonly string[]) => z.enum(values as [string, ...string[]])
const flag = z.enum(['True', 'False'])
const url = z.url({ protocol: /^https?$/ }).max(2048)

/** The `data` object of one model's create call, as the document defines it. */
export function upstreamDataSchema (m: ModelSpec) {
  const shape: Record<string, z.ZodType> = {}
  const prompt = z.string().min(1).max(m.prompt.max)
  shape.prompt = m.prompt.required ? prompt : prompt.optional()
  if (m.images) shape.images = z.array(url).min(1).max(m.images.maxCount)
  if (m.image) shape.image = url
  if (m.video) shape.video = url
  if (m.ratio) shape[m.ratio.field] = stringEnum(m.ratio.values).optional()
  if (m.resolution) shape.resolution = stringEnum(m.resolution.values).optional()
  if (m.duration) shape.duration = stringEnum(m.duration.values.map((s) => `${s}s`)).optional()
  if (m.counts) shape.counts = stringEnum(Array.from({ length: m.counts.max }, (_, n) => String(n + 1))).optional()
  if (m.shotType) shape.shot_type = z.enum(['Multi', 'Single']).optional()
  if (m.multiShots) shape.multi_shots = flag.optional()
  if (m.generateAudio) shape.generate_audio = flag.optional()
  const only = m.resolutionOnlyAt ?? {}
  const defaults = { resolution: m.resolution?.default, duration: m.duration ? `${m.duration.default}s` : undefined }
  return z.strictObject(shape).superRefine((d, ctx) => {
    const resolution = (d.resolution as string | undefined) ?? defaults.resolution
    const duration = (d.duration as string | undefined) ?? defaults.duration
    const allowed = resolution !== undefined ? only[resolution] : undefined
    if (allowed && !allowed.map((s) => `${s}s`).includes(duration ?? '')) {
      ctx.addIssue({ code: 'custom', path: ['resolution'], message: `${resolution} only with duration ${allowed.map((s) => `${s}s`).join(' or ')}` })
    }
  }) as z.ZodType<Record<string, string | string[]>>
}

export const CreateBodySchema = z.object({ data: z.record(z.string(), z.unknown()) })

/** Every answer, success or failure. `data` is `{}` on failures. */
export const EnvelopeSchema = z.object({
  code: z.coerce.number(),
  msg: z.string().nullish(),
  data: z.unknown(),
  trace_id: z.string().nullish()
})
export type Envelope = z.infer<typeof EnvelopeSchema>

export const CreateDataSchema = z.object({ task_id: z.union([z.string().min(1), z.number()]).transform(String) })

/** `result` is present on success; its inner layout is not documented (see results.ts). */
export const ResultDataSchema = z.object({
  task_id: z.union([z.string(), z.number()]).transform(String).optional(),
  status: z.string(),
  result: z.unknown().optional()
})
export type ResultData = z.infer<typeof ResultDataSchema>

export const CreditsDataSchema = z.object({ credits: z.coerce.number() })
