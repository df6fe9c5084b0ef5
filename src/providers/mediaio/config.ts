import { z } from 'zod'
import { defineSettings } from '../settings.ts'
import type { ProviderBudget } from '../../polling/runner.ts'

const positive = z.coerce.number().int().min(1)

/** The documented base URL; the skill refuses every other host, and so do we unless told otherwise. */
export const MEDIAIO_DEFAULT_BASE_URL = 'https://openapi.media.io'

/**
 * The `MEDIAIO_*` environment variables, attached to the provider as `mediaioSettings`. Without a
 * key the provider runs against its simulator (demo mode).
 */
export const MediaioEnvSchema = z.object({
  MEDIAIO_BASE_URL: z.url({ protocol: /^https?$/ }).default(MEDIAIO_DEFAULT_BASE_URL)
    .describe('Media.io OpenAPI base URL (https://openapi.media.io); point it at the simulator in tests.'),
  MEDIAIO_API_KEY: z.string().trim().min(1).optional()
    .describe('Media.io API key, sent as X-API-KEY. Unset means the Media.io provider runs against its simulator. Never logged, never returned.'),
  MEDIAIO_CONNECT_TIMEOUT_MS: positive.default(5_000).describe('Timeout for opening a connection to Media.io.'),
  MEDIAIO_TIMEOUT_MS: positive.default(30_000).describe('Overall timeout of one Media.io call (the document\'s client uses 30 s).'),
  MEDIAIO_POLL_RATE_PER_SEC: z.coerce.number().positive().max(1000).default(5)
    .describe('Task Result polls per second across all Media.io tasks on one instance (the token bucket\'s rate).'),
  MEDIAIO_POLL_BURST: positive.default(10).describe('Polls the Media.io budget lets through at once after a quiet period.'),
  MEDIAIO_POLL_CONCURRENCY: positive.max(256).default(8).describe('Media.io polls in flight at once on one instance.')
})

export interface MediaioConfig {
  baseUrl: string
  apiKey: string
  connectTimeoutMs: number
  timeoutMs: number
  poll: ProviderBudget
  /** No key: the provider runs against its simulator. */
  demo: boolean
}

/** Reads the Media.io block; `problems` collects readable errors instead of throwing, like loadConfig. */
export function mediaioConfig (env: z.output<typeof MediaioEnvSchema>, problems: string[]): MediaioConfig {
  const baseUrl = env.MEDIAIO_BASE_URL.replace(/\/+$/, '')
  if (env.MEDIAIO_API_KEY !== undefined && baseUrl.startsWith('http://') && !/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:|$)/.test(baseUrl)) {
    problems.push('MEDIAIO_BASE_URL: must be https with a real key (the key travels in a header), unless it is a loopback simulator')
  }
  return {
    baseUrl,
    apiKey: env.MEDIAIO_API_KEY ?? '',
    connectTimeoutMs: env.MEDIAIO_CONNECT_TIMEOUT_MS,
    timeoutMs: env.MEDIAIO_TIMEOUT_MS,
    poll: { ratePerSec: env.MEDIAIO_POLL_RATE_PER_SEC, burst: env.MEDIAIO_POLL_BURST, concurrency: env.MEDIAIO_POLL_CONCURRENCY },
    demo: env.MEDIAIO_API_KEY === undefined
  }
}

/** `Config.mediaio`. */
export const mediaioSettings = defineSettings({
  key: 'mediaio',
  env: MediaioEnvSchema,
  read: mediaioConfig,
  credentials: ['MEDIAIO_API_KEY']
})
