import { z } from 'zod'
import { parseBehaviour, type Behaviour } from './simulator/behaviour.ts'

/** The client key accepted in demo mode when `API_KEYS` is not set. */
export const DEMO_API_KEY = { owner: 'demo', key: 'dev-key' } as const

const port = z.coerce.number().int().min(0).max(65535)
const ms = z.coerce.number().int().min(1)
const flag = z.stringbool()

const ApiKeySchema = z.object({ owner: z.string().min(1), key: z.string().min(8) })
export type ApiKey = z.infer<typeof ApiKeySchema>

const ApiKeysSchema = z.string().trim().transform((raw, ctx) => {
  const keys: ApiKey[] = []
  for (const pair of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
    const at = pair.indexOf(':')
    const parsed = ApiKeySchema.safeParse({ owner: pair.slice(0, at), key: pair.slice(at + 1) })
    if (at < 1 || !parsed.success) {
      // Never echo the pair: it holds a secret.
      ctx.addIssue({ code: 'custom', message: `entry ${keys.length + 1} is not "owner:key" with a key of at least 8 characters` })
      return z.NEVER
    }
    keys.push(parsed.data)
  }
  return keys
})

const optionalSecret = z.string().trim().min(1).optional()

export const ConfigSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1').describe('Interface the BFF listens on (use 0.0.0.0 in containers).'),
  PORT: port.default(3000).describe('Port the BFF listens on.'),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional()
    .describe('Base URL at which the gateway reaches this BFF for callbacks. Default: http://127.0.0.1:PORT.'),
  TRUST_PROXY: flag.default(false).describe('Trust X-Forwarded-* headers (set behind a load balancer).'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level.'),

  TOMOVIEE_BASE_URL: z.url({ protocol: /^https?$/ }).default('https://openapi.wondershare.cc')
    .describe('ToMoviee gateway base URL (open-api.wondershare.cc is a documented alias).'),
  TOMOVIEE_APP_KEY: optionalSecret.describe('ToMoviee app key. Unset (with the secret) means demo mode against the built-in simulator.'),
  TOMOVIEE_APP_SECRET: optionalSecret.describe('ToMoviee app secret. Never logged, never returned, no default.'),
  GATEWAY_CONNECT_TIMEOUT_MS: ms.default(5_000).describe('Timeout for opening a connection to the gateway.'),
  GATEWAY_TIMEOUT_MS: ms.default(30_000).describe('Overall timeout of one gateway call.'),

  DATABASE_PATH: z.string().min(1).default('./data/bff.sqlite').describe('SQLite file for tasks and the event log (":memory:" for a throwaway store).'),
  API_KEYS: ApiKeysSchema.optional().describe('Client keys as comma-separated "owner:key" pairs. Required with real ToMoviee credentials.'),

  SIMULATOR_PORT: port.default(4010).describe('Port of the built-in gateway simulator started in demo mode (0 picks a free port).'),
  SIMULATOR_BEHAVIOUR: z.string().transform((text, ctx) => parseBehaviour(text) ?? (ctx.addIssue({ code: 'custom', message: 'expected markers such as "#fail" or "#double-callback #delay=2000"' }), z.NEVER))
    .optional().describe('Demo mode: what the simulator does with tasks whose prompt has no marker (e.g. "#fail", "#no-callback").'),

  SSE_HEARTBEAT_MS: ms.default(15_000).describe('Interval of SSE heartbeat comments.'),
  SSE_RETRY_MS: ms.default(3_000).describe('Reconnect delay suggested to SSE clients (the retry: field).'),
  SSE_MAX_BUFFER_BYTES: ms.default(1_048_576).describe('Bytes an SSE client may fall behind before it is disconnected.'),
  WEBHOOK_BODY_LIMIT: ms.default(65_536).describe('Largest accepted callback body, in bytes.'),
  RATE_LIMIT_MAX: ms.default(600).describe('Requests per client IP per window.'),
  RATE_LIMIT_WINDOW_MS: ms.default(60_000).describe('Rate-limit window.'),
  SHUTDOWN_TIMEOUT_MS: ms.default(10_000).describe('Longest a graceful shutdown may take before the process exits anyway.')
})

export type Env = z.input<typeof ConfigSchema>

export interface Config {
  host: string
  port: number
  publicUrl: string
  trustProxy: boolean
  logLevel: z.infer<typeof ConfigSchema>['LOG_LEVEL']
  /** Demo mode: no ToMoviee credentials, so the server starts the simulator and accepts the dev key. */
  demo: boolean
  gateway: { baseUrl: string, appKey: string, appSecret: string, connectTimeoutMs: number, timeoutMs: number }
  databasePath: string
  apiKeys: ApiKey[]
  simulatorPort: number
  simulatorBehaviour?: Behaviour | undefined
  sse: { heartbeatMs: number, retryMs: number, maxBufferBytes: number }
  webhookBodyLimit: number
  rateLimit: { max: number, windowMs: number }
  shutdownTimeoutMs: number
}

export class ConfigError extends Error {
  readonly problems: string[]
  constructor (problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'ConfigError'
    this.problems = problems
  }
}

/** Parses the environment once; throws one ConfigError naming every bad variable. */
export function loadConfig (env: Record<string, string | undefined>): Config {
  // An empty variable means "unset", as in most deployment tools.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''))
  const parsed = ConfigSchema.safeParse(present)
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`))
  }
  const e = parsed.data
  const problems: string[] = []
  const hasKey = e.TOMOVIEE_APP_KEY !== undefined
  const hasSecret = e.TOMOVIEE_APP_SECRET !== undefined
  if (hasKey !== hasSecret) problems.push('TOMOVIEE_APP_KEY and TOMOVIEE_APP_SECRET must be set together')
  const demo = !hasKey && !hasSecret
  if (!demo && !e.API_KEYS?.length) {
    problems.push('API_KEYS: required when ToMoviee credentials are set (the demo key is only for demo mode)')
  }
  if (problems.length) throw new ConfigError(problems)

  return {
    host: e.HOST,
    port: e.PORT,
    publicUrl: (e.PUBLIC_URL ?? `http://127.0.0.1:${e.PORT}`).replace(/\/+$/, ''),
    trustProxy: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
    demo,
    gateway: {
      baseUrl: e.TOMOVIEE_BASE_URL.replace(/\/+$/, ''),
      appKey: e.TOMOVIEE_APP_KEY ?? '',
      appSecret: e.TOMOVIEE_APP_SECRET ?? '',
      connectTimeoutMs: e.GATEWAY_CONNECT_TIMEOUT_MS,
      timeoutMs: e.GATEWAY_TIMEOUT_MS
    },
    databasePath: e.DATABASE_PATH,
    apiKeys: e.API_KEYS?.length ? e.API_KEYS : [{ ...DEMO_API_KEY }],
    simulatorPort: e.SIMULATOR_PORT,
    simulatorBehaviour: e.SIMULATOR_BEHAVIOUR,
    sse: { heartbeatMs: e.SSE_HEARTBEAT_MS, retryMs: e.SSE_RETRY_MS, maxBufferBytes: e.SSE_MAX_BUFFER_BYTES },
    webhookBodyLimit: e.WEBHOOK_BODY_LIMIT,
    rateLimit: { max: e.RATE_LIMIT_MAX, windowMs: e.RATE_LIMIT_WINDOW_MS },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS
  }
}
