import { z } from 'zod'

/**
 * EdrawMax's diagram API on the wire (seed 002, the edrawmax-diagram part). One copy, shared by the
 * provider and its simulator: a mismatch between them is a test failure, not a production surprise.
 */

export const EDRAWMAX_LANGS = ['en', 'cn', 'jp', 'kr', 'es', 'fr', 'de', 'it', 'tw', 'pt', 'ru', 'id'] as const
export const EDRAWMAX_PLATFORMS = ['web', 'win', 'mac', 'ios', 'android', 'linux'] as const

/** The four diagram kinds: their path under the base URL and the field that holds their source. */
export const DIAGRAMS = {
  flowchart: { path: '/skills/generate-flowchart', sourceField: 'mermaid_code', format: 'mermaid' },
  infographic: { path: '/skills/generate-infographic', sourceField: 'source_code', format: 'edrawmax' },
  gantt: { path: '/skills/generate-gantt', sourceField: 'source_code', format: 'edrawmax' },
  mindmap: { path: '/skills/generate-mindmap', sourceField: 'source_code', format: 'edrawmax' }
} as const
export type DiagramKind = keyof typeof DIAGRAMS
export const DIAGRAM_KINDS = Object.keys(DIAGRAMS) as DiagramKind[]

/** The documented base URL; every path above is a POST under it. */
export const EDRAWMAX_DEFAULT_BASE_URL = 'https://api.edrawmax.cn/api/ai'

/** The header that names the user; the body must not carry a user id. */
export const USER_ID_HEADER = 'x-user-id'

/** No length limit is documented; ours keeps a runaway body off a synchronous call. */
export const MAX_PROMPT_LENGTH = 2000

/** The request body, identical for the four endpoints. Strict: `user_id` in the body is refused. */
export const DiagramRequestSchema = z.strictObject({
  prompt: z.string().trim().min(1).max(MAX_PROMPT_LENGTH),
  lang: z.enum(EDRAWMAX_LANGS).optional(),
  platform: z.enum(EDRAWMAX_PLATFORMS).optional()
})
export type DiagramRequest = z.infer<typeof DiagramRequestSchema>

/** The `code` values of the envelope, with the advice the document gives for each. */
export const EDRAWMAX_CODE = {
  OK: 0,
  BAD_PARAMETER: 400,
  CONTENT_REJECTED: 2406,
  USER_CONCURRENCY: 3001,
  GENERATION_FAILED: 212200,
  RENDERING_FAILED: 212201,
  INTERNAL: 500
} as const

/** "Wait briefly, retry once" / "retry once": at most one retry, and only on these. */
export const RETRYABLE_CODES: ReadonlySet<number> = new Set([EDRAWMAX_CODE.USER_CONCURRENCY, EDRAWMAX_CODE.GENERATION_FAILED, EDRAWMAX_CODE.RENDERING_FAILED])

// Numbers in the document; a numeric string is read the same, since nothing says which.
const CodeSchema = z.union([z.int(), z.string().regex(/^-?\d+$/).transform(Number)])

export const DiagramDataSchema = z.looseObject({
  png_url: z.string().optional(),
  svg_url: z.string().optional(),
  mermaid_code: z.string().optional(),
  source_code: z.string().optional()
})
export type DiagramData = z.infer<typeof DiagramDataSchema>

/** `{code, msg, data}`; `data` only matters with code 0. */
export const EnvelopeSchema = z.looseObject({
  code: CodeSchema,
  msg: z.string().nullish(),
  data: DiagramDataSchema.nullish()
})
export type Envelope = z.infer<typeof EnvelopeSchema>
