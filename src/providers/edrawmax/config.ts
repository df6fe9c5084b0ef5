import { z } from 'zod'
import { defineSettings } from '../settings.ts'
import { EDRAWMAX_DEFAULT_BASE_URL } from './wire.ts'

const positive = z.coerce.number().int().min(1)

/**
 * The `EDRAWMAX_*` environment variables, attached to the provider as `edrawmaxSettings`. EdrawMax
 * needs no credentials, so demo mode cannot follow from missing secrets: the provider runs against
 * its simulator until EDRAWMAX_BASE_URL is set (sending users' prompts to a third party is opted
 * into, not the default).
 */
export const EdrawmaxEnvSchema = z.object({
  EDRAWMAX_BASE_URL: z.url({ protocol: /^https?$/ }).optional()
    .describe(`EdrawMax AI base URL (the documented one is ${EDRAWMAX_DEFAULT_BASE_URL}). Unset means the EdrawMax provider runs against its simulator.`),
  EDRAWMAX_CONNECT_TIMEOUT_MS: positive.default(5_000).describe('Timeout for opening a connection to EdrawMax.'),
  EDRAWMAX_TIMEOUT_MS: positive.default(120_000).describe('Timeout of one EdrawMax call, generation included (the call is synchronous).'),
  EDRAWMAX_RETRY_DELAY_MS: z.coerce.number().int().min(0).default(1_000).describe('Wait before the one retry of a retryable EdrawMax answer (3001, 212200, 212201).'),
  EDRAWMAX_CONCURRENCY: positive.default(4).describe('EdrawMax calls in flight at once per instance; further diagram tasks wait queued.')
})

export interface EdrawmaxConfig {
  /** Without a trailing slash; undefined in demo mode. */
  baseUrl?: string | undefined
  connectTimeoutMs: number
  timeoutMs: number
  retryDelayMs: number
  concurrency: number
  /** No base URL: the provider runs against its simulator, whose result hosts the wiring trusts. */
  demo: boolean
}

/** Reads the EdrawMax block; `problems` collects readable errors instead of throwing, like loadConfig. */
export function edrawmaxConfig (env: z.output<typeof EdrawmaxEnvSchema>, problems: string[]): EdrawmaxConfig {
  const baseUrl = env.EDRAWMAX_BASE_URL?.replace(/\/+$/, '')
  if (baseUrl !== undefined && !baseUrl.startsWith('https://') && !/^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?(\/|$)/.test(baseUrl)) {
    problems.push(`EDRAWMAX_BASE_URL=${baseUrl}: must be https (plain http only to loopback); prompts and user ids travel in every call`)
  }
  return {
    baseUrl,
    connectTimeoutMs: env.EDRAWMAX_CONNECT_TIMEOUT_MS,
    timeoutMs: env.EDRAWMAX_TIMEOUT_MS,
    retryDelayMs: env.EDRAWMAX_RETRY_DELAY_MS,
    concurrency: env.EDRAWMAX_CONCURRENCY,
    demo: baseUrl === undefined
  }
}

/** `Config.edrawmax`. */
export const edrawmaxSettings = defineSettings({ key: 'edrawmax', env: EdrawmaxEnvSchema, read: edrawmaxConfig })
