import { z } from 'zod'
import { defineSettings } from '../settings.ts'

const positive = z.coerce.number().int().min(1)
const secret = z.string().trim().min(1).optional()

/** The documented endpoint. Plain http, as the document gives it (see DISAGREEMENTS.md). */
export const TENCENT_DEFAULT_ENDPOINT = 'http://service-mqk0mc83-1257411467.bj.apigw.tencentcs.com/release/job'

/**
 * The `TENCENT_*` environment variables, attached to the provider as `tencentSettings`. Without
 * both secrets the provider runs against its simulator outside production (demo mode) and is off
 * in production.
 */
export const TencentEnvSchema = z.object({
  TENCENT_ENDPOINT: z.url({ protocol: /^https?$/ }).default(TENCENT_DEFAULT_ENDPOINT)
    .describe('Tencent image-to-music job endpoint (every action is a POST to this one URL).'),
  TENCENT_SECRET_ID: secret.describe('Tencent SecretId. Unset (with the key): the Tencent provider runs against its simulator outside production, and is off in production.'),
  TENCENT_SECRET_KEY: secret.describe('Tencent SecretKey. Travels in the request body; never logged, never returned, no default.'),
  TENCENT_OUTPUT_BASE_URL: z.url({ protocol: /^https?$/ }).optional()
    .describe('Public base URL of the storage Tencent writes results to; <base>/<destination>/<file name> must download the file. Required with real credentials.'),
  TENCENT_CONTENT_ID: secret.describe('Tencent repository (contentId) results are written to. Default: the account\'s default repository.'),
  TENCENT_OUTPUT_DIR: z.string().regex(/^\/[\w./-]*$/, 'must be an absolute path of letters, digits, "_", "-", "." and "/"').default('/bff')
    .describe('Directory in that repository; each task writes under <dir>/<task id>/.'),
  TENCENT_CONNECT_TIMEOUT_MS: positive.default(5_000).describe('Timeout for opening a connection to Tencent.'),
  TENCENT_TIMEOUT_MS: positive.default(30_000).describe('Overall timeout of one Tencent call.')
})

export interface TencentConfig {
  endpoint: string
  secretId: string
  secretKey: string
  /** Without a trailing slash. */
  outputBaseUrl?: string | undefined
  contentId?: string | undefined
  outputDir: string
  connectTimeoutMs: number
  timeoutMs: number
  /** No secrets: the provider runs against its simulator. */
  demo: boolean
}

/** Reads the Tencent block; `problems` collects readable errors instead of throwing, like loadConfig. */
export function tencentConfig (env: z.output<typeof TencentEnvSchema>, problems: string[]): TencentConfig {
  const hasId = env.TENCENT_SECRET_ID !== undefined
  const hasKey = env.TENCENT_SECRET_KEY !== undefined
  if (hasId !== hasKey) problems.push('TENCENT_SECRET_ID and TENCENT_SECRET_KEY must be set together')
  const demo = !hasId && !hasKey
  if (!demo && env.TENCENT_OUTPUT_BASE_URL === undefined) {
    problems.push('TENCENT_OUTPUT_BASE_URL: required with Tencent credentials (results are file names in your storage, not URLs)')
  }
  return {
    endpoint: env.TENCENT_ENDPOINT,
    secretId: env.TENCENT_SECRET_ID ?? '',
    secretKey: env.TENCENT_SECRET_KEY ?? '',
    outputBaseUrl: env.TENCENT_OUTPUT_BASE_URL?.replace(/\/+$/, ''),
    contentId: env.TENCENT_CONTENT_ID,
    outputDir: env.TENCENT_OUTPUT_DIR.replace(/\/+$/, '') || '/',
    connectTimeoutMs: env.TENCENT_CONNECT_TIMEOUT_MS,
    timeoutMs: env.TENCENT_TIMEOUT_MS,
    demo
  }
}

/** `Config.tencent`. */
export const tencentSettings = defineSettings({
  key: 'tencent',
  env: TencentEnvSchema,
  read: tencentConfig,
  credentials: ['TENCENT_SECRET_ID', 'TENCENT_SECRET_KEY']
})
