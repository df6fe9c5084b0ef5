import { z } from 'zod'
import { flag, optionalSecret, port, positive } from '../../config-fields.ts'
import { parseBehaviour, type Behaviour } from '../simulator-kit/behaviour.ts'
import { defineSettings } from '../settings.ts'

/** The `TOMOVIEE_*` variables, with the `GATEWAY_*` timeouts and the demo simulator's `SIMULATOR_*` (named before there were other providers). */
export const TomovieeEnvSchema = z.object({
  TOMOVIEE_BASE_URL: z.url({ protocol: /^https?$/ }).default('https://openapi.wondershare.cc')
    .describe('ToMoviee gateway base URL (open-api.wondershare.cc is a documented alias).'),
  TOMOVIEE_APP_KEY: optionalSecret.describe('ToMoviee app key. Unset (with the secret) means demo mode outside production.'),
  TOMOVIEE_APP_SECRET: optionalSecret.describe('ToMoviee app secret. Never logged, never returned, no default.'),
  GATEWAY_CONNECT_TIMEOUT_MS: positive.default(5_000).describe('Timeout for opening a connection to the gateway.'),
  GATEWAY_TIMEOUT_MS: positive.default(30_000).describe('Overall timeout of one gateway call.'),
  TOMOVIEE_POLL_RATE_PER_SEC: z.coerce.number().positive().max(1000).default(10).describe('Result polls per second to the gateway (progress of watched tasks and overdue callbacks together; shared by every instance in distributed mode).'),
  TOMOVIEE_POLL_BURST: positive.default(20).describe('Result polls the gateway budget lets through at once after a quiet period.'),
  SIMULATOR_PORT: port.default(4010).describe('Port of the built-in gateway simulator started in demo mode (0 picks a free port).'),
  SIMULATOR_BEHAVIOUR: z.string().transform((text, ctx) => parseBehaviour(text) ?? (ctx.addIssue({ code: 'custom', message: 'expected markers such as "#fail" or "#double-callback #delay=2000"' }), z.NEVER))
    .optional().describe('Demo mode: what the simulator does with tasks whose prompt has no marker (e.g. "#fail", "#no-callback").'),
  SIMULATOR_PROGRESS_CALLBACKS: flag.default(false).describe('Demo mode: the ToMoviee simulator also calls back at every progress step, which the real gateway does not do.')
})

export interface TomovieeConfig {
  /** Without a trailing slash. */
  baseUrl: string
  appKey: string
  appSecret: string
  connectTimeoutMs: number
  timeoutMs: number
  poll: { ratePerSec: number, burst: number }
  /** The simulator started in demo mode. */
  simulator: {
    port: number
    behaviour?: Behaviour | undefined
    /** Undocumented progress callbacks, off unless asked for. */
    progressCallbacks: boolean
  }
}

export function tomovieeConfig (env: z.output<typeof TomovieeEnvSchema>, problems: string[]): TomovieeConfig {
  if ((env.TOMOVIEE_APP_KEY === undefined) !== (env.TOMOVIEE_APP_SECRET === undefined)) problems.push('TOMOVIEE_APP_KEY and TOMOVIEE_APP_SECRET must be set together')
  return {
    baseUrl: env.TOMOVIEE_BASE_URL.replace(/\/+$/, ''),
    appKey: env.TOMOVIEE_APP_KEY ?? '',
    appSecret: env.TOMOVIEE_APP_SECRET ?? '',
    connectTimeoutMs: env.GATEWAY_CONNECT_TIMEOUT_MS,
    timeoutMs: env.GATEWAY_TIMEOUT_MS,
    poll: { ratePerSec: env.TOMOVIEE_POLL_RATE_PER_SEC, burst: env.TOMOVIEE_POLL_BURST },
    simulator: { port: env.SIMULATOR_PORT, behaviour: env.SIMULATOR_BEHAVIOUR, progressCallbacks: env.SIMULATOR_PROGRESS_CALLBACKS }
  }
}

export const tomovieeSettings = defineSettings({
  key: 'tomoviee',
  env: TomovieeEnvSchema,
  read: tomovieeConfig,
  credentials: ['TOMOVIEE_APP_KEY', 'TOMOVIEE_APP_SECRET'],
  decidesDemo: true
})
