import { isIP } from 'node:net'
import { z } from 'zod'
import { PROVIDER_ENV_SHAPE, readProviderConfigs, type ProviderConfigs } from './providers/config-blocks.ts'
import { parseBehaviour, type Behaviour } from './providers/tomoviee/simulator/behaviour.ts'
import { WEBHOOK_ENV, webhookProblems, webhookSettings, type WebhookSettings } from './webhooks/config.ts'

/** The client key accepted in demo mode when `API_KEYS` is not set. */
export const DEMO_API_KEY = { owner: 'demo', key: 'dev-key' } as const

const port = z.coerce.number().int().min(0).max(65535)
// Durations (ms), sizes and counts alike: whole numbers above zero.
const positive = z.coerce.number().int().min(1)
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
const list = z.string().transform((raw) => raw.split(',').map((v) => v.trim()).filter(Boolean))
const count = z.coerce.number().int().min(0)
const factor = z.coerce.number().positive().max(1000)

/** A hop count, or the addresses/CIDRs of the proxies whose X-Forwarded-For entries are believed. */
export type TrustProxy = false | number | string[]
const TrustProxySchema = z.string().trim().transform((raw, ctx): TrustProxy => {
  if (/^(false|0)$/i.test(raw)) return false
  if (/^\d+$/.test(raw)) return Number(raw)
  if (/^true$/i.test(raw)) {
    ctx.addIssue({ code: 'custom', message: '"true" would believe every X-Forwarded-For entry, which clients write themselves; set the number of proxies in front (1 behind one load balancer) or their addresses' })
    return z.NEVER
  }
  const entries = raw.split(',').map((v) => v.trim()).filter(Boolean)
  const bad = entries.find((e) => !isAddressOrCidr(e))
  if (bad !== undefined) {
    ctx.addIssue({ code: 'custom', message: `"${bad}" is not a hop count, an IP address or a CIDR range` })
    return z.NEVER
  }
  return entries
})

function isAddressOrCidr (entry: string): boolean {
  const [address = '', bits, extra] = entry.split('/')
  const family = isIP(address)
  if (family === 0 || extra !== undefined) return false
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128))
}

export const ConfigSchema = z.object({
  NODE_ENV: z.string().optional().describe('"production" turns demo mode off for good: a start without ToMoviee or client credentials is refused.'),
  DEMO: flag.optional().describe('Run against the built-in simulator with the dev key. Default: on when no ToMoviee credentials are set outside production; never allowed with NODE_ENV=production.'),
  HOST: z.string().min(1).default('127.0.0.1').describe('Interface the BFF listens on (use 0.0.0.0 in containers).'),
  PORT: port.default(3000).describe('Port the BFF listens on.'),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional()
    .describe('Base URL at which the gateway reaches this BFF for callbacks. Default: http://127.0.0.1:PORT.'),
  TRUST_PROXY: TrustProxySchema.optional().describe('Proxies whose X-Forwarded-For entries are believed: a hop count (1 behind one load balancer) or their addresses/CIDRs, comma-separated. Unset: none.'),
  HEADERS_TIMEOUT_MS: positive.default(10_000).describe('Deadline for a client to send the request headers.'),
  BODY_TIMEOUT_MS: positive.default(20_000).describe('Deadline for a client to send the whole request, headers and body (then 408 and the socket is closed).'),
  REQUEST_TIMEOUT_MS: positive.default(30_000).describe('Deadline for answering a non-streaming request (then 503 BFF_ERR_REQUEST_TIMEOUT); event streams are exempt.'),
  KEEP_ALIVE_TIMEOUT_MS: positive.default(5_000).describe('How long an idle keep-alive connection stays open (behind a load balancer: above its idle timeout).'),
  CONNECTIONS_MAX: positive.default(4_096).describe('Open connections in total (keep it below the file-descriptor limit); further ones are closed at once.'),
  CONNECTIONS_PER_IP_MAX: positive.default(64).describe('Open connections per peer address (addresses in TRUST_PROXY are exempt); further ones are closed at once.'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level.'),

  TOMOVIEE_BASE_URL: z.url({ protocol: /^https?$/ }).default('https://openapi.wondershare.cc')
    .describe('ToMoviee gateway base URL (open-api.wondershare.cc is a documented alias).'),
  TOMOVIEE_APP_KEY: optionalSecret.describe('ToMoviee app key. Unset (with the secret) means demo mode outside production.'),
  TOMOVIEE_APP_SECRET: optionalSecret.describe('ToMoviee app secret. Never logged, never returned, no default.'),
  GATEWAY_CONNECT_TIMEOUT_MS: positive.default(5_000).describe('Timeout for opening a connection to the gateway.'),
  GATEWAY_TIMEOUT_MS: positive.default(30_000).describe('Overall timeout of one gateway call.'),

  DATABASE_PATH: z.string().min(1).default('./data/bff.sqlite').describe('SQLite file for tasks and the event log (":memory:" for a throwaway store).'),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional()
    .describe('Distributed mode: Redis for tasks, the event log, fan-out, rate limits and reconciler leases (instead of SQLite). Example: redis://127.0.0.1:6379/0.'),
  REDIS_PREFIX: z.string().regex(/^[\w:.-]{1,64}$/).default('bff').describe('Prefix of every Redis key, so several deployments can share one Redis.'),
  EVENT_HISTORY_PER_OWNER: positive.default(10_000).describe('Distributed mode: events kept per owner for Last-Event-ID replay (older ones are trimmed).'),
  EVENT_HISTORY_PER_TASK: positive.default(1_000).describe('Distributed mode: events kept per task.'),
  TASK_RETENTION_MS: count.default(30 * 86_400_000).describe('A finished task and its events are deleted this long after it finished (0 keeps everything).'),
  RETENTION_INTERVAL_MS: positive.default(600_000).describe('How often finished tasks past TASK_RETENTION_MS are deleted.'),
  RETENTION_BATCH: positive.default(200).describe('Tasks deleted per transaction by the retention sweep, so it never holds the SQLite write lock for long.'),
  API_KEYS: ApiKeysSchema.optional().describe('Client keys as comma-separated "owner:key" pairs (or "owner:sha256:<hex>" to store only the hash). Required with real ToMoviee credentials unless JWTs are configured.'),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional().describe('Shared secret for HS256 client JWTs (at least 32 characters).'),
  JWT_JWKS_URL: z.url({ protocol: /^https?$/ }).optional().describe('JWKS URL for RS256/ES256 client JWTs.'),
  JWT_ISSUER: z.string().min(1).optional().describe('Required `iss` of client JWTs.'),
  JWT_AUDIENCE: z.string().min(1).optional().describe('Required `aud` of client JWTs.'),
  JWT_CLOCK_TOLERANCE_SEC: count.default(30).describe('Allowed clock skew when checking JWT `exp`/`nbf`.'),
  STREAM_TOKEN_SECRET: z.string().min(32, 'must be at least 32 characters').optional()
    .describe('Secret that signs SSE stream tokens; set the same value on every instance. Default: random per process.'),
  STREAM_TOKEN_TTL_SEC: z.coerce.number().int().min(10).max(3600).default(300).describe('Lifetime of a stream token.'),
  CORS_ORIGINS: list.optional().describe('Browser origins allowed to call the API, comma-separated (none by default).'),

  SIMULATOR_PORT: port.default(4010).describe('Port of the built-in gateway simulator started in demo mode (0 picks a free port).'),
  SIMULATOR_BEHAVIOUR: z.string().transform((text, ctx) => parseBehaviour(text) ?? (ctx.addIssue({ code: 'custom', message: 'expected markers such as "#fail" or "#double-callback #delay=2000"' }), z.NEVER))
    .optional().describe('Demo mode: what the simulator does with tasks whose prompt has no marker (e.g. "#fail", "#no-callback").'),

  SSE_HEARTBEAT_MS: positive.default(15_000).describe('Interval of SSE heartbeat comments.'),
  SSE_RETRY_MS: positive.default(3_000).describe('Reconnect delay suggested to SSE clients (the retry: field).'),
  SSE_CATCH_UP_MS: z.coerce.number().int().min(50).max(60_000).default(1_000)
    .describe('Longest an event whose notification was lost (writer crashed, Redis restarted) takes to reach open streams: each owner\'s log is read at least this often.'),
  SSE_REPLAY_HORIZON: positive.default(10_000).describe('Most events a Last-Event-ID resume replays; an older resume gets a reset with the current state instead.'),
  SSE_MAX_BUFFER_BYTES: positive.default(1_048_576).describe('Bytes an SSE client may fall behind before it is disconnected.'),
  SSE_MAX_STREAMS_PER_OWNER: positive.default(20).describe('Event streams one owner may hold open at once (across instances in distributed mode).'),
  SSE_MAX_STREAMS_PER_IP: positive.default(50).describe('Event streams one client IP may hold open at once on an instance.'),
  SSE_MAX_STREAMS: positive.optional().describe('Event streams one instance holds open at once; further ones get 503 with Retry-After. Default and upper bound: the connection cap less room for probes and API calls.'),
  LISTEN_BACKLOG: positive.default(4_096).describe('Connections the kernel queues before the BFF accepts them (a reconnect storm arrives at once); the kernel caps it at net.core.somaxconn.'),
  WEBHOOK_BODY_LIMIT: positive.default(65_536).describe('Largest accepted callback body, in bytes.'),
  RATE_LIMIT_MAX: positive.default(600).describe('Requests per client IP per window, on every route but the webhook and health checks.'),
  RATE_LIMIT_OWNER_MAX: positive.default(300).describe('Requests per authenticated owner per window.'),
  RATE_LIMIT_CREATE_MAX: positive.default(30).describe('Task creations per owner per window.'),
  RATE_LIMIT_STREAM_TOKEN_MAX: positive.default(30).describe('Stream tokens minted per owner per window.'),
  RATE_LIMIT_AUTH_FAILURES_MAX: positive.default(20).describe('Failed authentications per client IP per window before 429s.'),
  RATE_LIMIT_WINDOW_MS: positive.default(60_000).describe('Rate-limit window.'),
  MAX_ACTIVE_TASKS_PER_OWNER: positive.default(20).describe('Unfinished tasks one owner may have at once.'),
  WEBHOOK_HOLD_MS: positive.default(10_000).describe('Distributed mode: how long a callback for a task whose upstream id is not recorded yet waits for another instance to record it.'),
  WEBHOOK_VERIFY: flag.optional().describe('Confirm every callback with the gateway\'s result endpoint before applying it. Default: on with real credentials, off in demo mode.'),
  INPUT_HTTP_ALLOW_HOSTS: list.optional().describe('Hosts (host or host:port) whose plain-http, private-address or internal-name input and output URLs are accepted, comma-separated.'),
  INPUT_DENY_HOSTS: list.optional().describe('More host names refused in input and output URLs, comma-separated; ".example.com" refuses the domain and its subdomains.'),
  INPUT_PREFLIGHT: flag.default(false).describe('Check with a HEAD request that input files are reachable, of an accepted type and size, before creating a task.'),
  INPUT_PREFLIGHT_TIMEOUT_MS: positive.default(3_000).describe('Timeout of the input pre-flight check.'),
  INPUT_MAX_BYTES: positive.default(200 * 1024 * 1024).describe('Largest input file the pre-flight check accepts.'),
  RECONCILE_ENABLED: flag.default(true).describe('Poll the gateway for tasks whose callback is overdue, and time out tasks at their deadline.'),
  RECONCILE_INTERVAL_MS: positive.default(5_000).describe('How often the reconciler looks for due tasks.'),
  RECONCILE_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4).describe('Gateway polls the reconciler runs at once.'),
  RECONCILE_OVERDUE_FACTOR: factor.default(1.5).describe('A callback is overdue after the capability\'s typical maximum time × this.'),
  TASK_DEADLINE_FACTOR: factor.default(10).describe('An unfinished task times out after the capability\'s typical maximum time × this.'),
  RECONCILE_BASE_DELAY_MS: positive.default(10_000).describe('First delay of the reconciler\'s exponential backoff between polls of one task.'),
  RECONCILE_MAX_DELAY_MS: positive.default(300_000).describe('Longest delay between polls of one task.'),
  IDEMPOTENCY_TTL_MS: positive.default(86_400_000).describe('How long an Idempotency-Key is remembered.'),
  CREATE_RETRIES: count.max(5).default(2).describe('Retries of a create that certainly never reached the gateway (connection refused, DNS failure).'),
  CIRCUIT_FAILURE_THRESHOLD: positive.default(5).describe('Consecutive gateway outages that make new calls fail fast.'),
  CIRCUIT_COOLDOWN_MS: positive.default(15_000).describe('How long calls fail fast before one trial call.'),
  SYNC_QUEUE_MAX: positive.default(1_000).describe('Tasks of synchronous providers (EdrawMax) waiting for a free call slot on this instance; beyond it creates answer 503.'),
  SHUTDOWN_TIMEOUT_MS: positive.default(10_000).describe('Longest a graceful shutdown may take before the process exits anyway.'),
  MEDIA_DIR: z.string().min(1).default('./data/media').describe('Directory for uploads in progress, and for every media file when no S3 bucket is set.'),
  MEDIA_S3_BUCKET: z.string().min(3).optional().describe('Distributed mode: keep finished uploads in this S3-compatible bucket (instead of MEDIA_DIR), so every instance serves every file.'),
  MEDIA_S3_ENDPOINT: z.url({ protocol: /^https?$/ }).optional().describe('S3 endpoint for MinIO, R2 and other S3-compatible stores; unset: AWS.'),
  MEDIA_S3_REGION: z.string().min(1).default('us-east-1').describe('S3 region.'),
  MEDIA_S3_ACCESS_KEY_ID: optionalSecret.describe('S3 access key id; unset: the AWS SDK\'s default credential chain.'),
  MEDIA_S3_SECRET_ACCESS_KEY: optionalSecret.describe('S3 secret access key. Never logged.'),
  MEDIA_S3_FORCE_PATH_STYLE: flag.default(false).describe('Address the bucket as endpoint/bucket/key (MinIO and most self-hosted stores need this).'),
  MEDIA_LINK_SECRET: z.string().min(32, 'must be at least 32 characters').optional()
    .describe('Secret that signs media links served by the BFF; set the same value on every instance. Default: random per process.'),
  MEDIA_LINK_TTL_SEC: z.coerce.number().int().min(60).max(7 * 86_400).default(3_600).describe('Validity of the signed URL handed to the gateway for an upload.'),
  UPLOAD_MAX_BYTES: positive.default(200 * 1024 * 1024).describe('Largest file one upload may hold.'),
  UPLOAD_QUOTA_BYTES: positive.default(2 * 1024 * 1024 * 1024).describe('Bytes one owner may keep in uploads, finished and in progress.'),
  UPLOAD_MAX_IN_PROGRESS: positive.default(5).describe('Unfinished uploads one owner may have at once.'),
  UPLOAD_UNFINISHED_TTL_MS: positive.default(86_400_000).describe('An upload not finished this long after it was created is deleted.'),
  UPLOAD_RETENTION_MS: positive.default(7 * 86_400_000).describe('A finished upload is deleted this long after it finished.'),
  MEDIA_SWEEP_INTERVAL_MS: positive.default(600_000).describe('How often expired uploads and outputs are deleted.'),
  OUTPUT_CUSTODY: flag.default(true).describe('Copy every output of a succeeded task into the media store and hand clients the BFF\'s own links to it.'),
  OUTPUT_RETENTION_MS: positive.default(30 * 86_400_000).describe('How long copied outputs are kept (and their links work); afterwards they answer 410.'),
  OUTPUT_MAX_BYTES: positive.default(1024 * 1024 * 1024).describe('Largest output file copied; a larger one keeps the gateway\'s URL.'),
  OUTPUT_COPY_TIMEOUT_MS: positive.default(120_000).describe('Longest one output copy may take, redirects and body included.'),
  OUTPUT_COPY_RETRY_MS: positive.default(60_000).describe('Wait before the first background retry of a failed output copy; doubled after each further failure, up to 6 h.'),
  OUTPUT_COPY_MAX_ATTEMPTS: positive.default(8).describe('Background retries of a failed output copy before it is given up.'),
  METRICS_TOKEN: z.string().trim().min(16, 'must be at least 16 characters').optional()
    .describe('Bearer token required on GET /metrics; unset: /metrics is open in demo mode and not served with real credentials'),
  GIT_COMMIT_SHA: z.string().trim().min(1).default('unknown').describe('The commit being run (the image sets it); a label of bff_build_info.'),
  ...WEBHOOK_ENV
}).extend(PROVIDER_ENV_SHAPE)

export type Env = z.input<typeof ConfigSchema>

/** Besides the fields below, one block per provider (`tencent`, `edrawmax`, ...: src/providers/config-blocks.ts). */
export interface Config extends ProviderConfigs {
  host: string
  port: number
  publicUrl: string
  trustProxy: TrustProxy
  /** Socket and request deadlines (ms) and connection caps. */
  edge: { headersTimeoutMs: number, bodyTimeoutMs: number, requestTimeoutMs: number, keepAliveTimeoutMs: number, connectionsMax: number, connectionsPerIpMax: number }
  logLevel: z.infer<typeof ConfigSchema>['LOG_LEVEL']
  /** Demo mode: no ToMoviee credentials, so the server starts the simulator and accepts the dev key. */
  demo: boolean
  /** Outside production (and unless DEMO=false): a provider without credentials runs against its simulator instead of being off. */
  simulateUnconfigured: boolean
  gateway: { baseUrl: string, appKey: string, appSecret: string, connectTimeoutMs: number, timeoutMs: number }
  databasePath: string
  redis?: { url: string, prefix: string, maxEventsPerOwner: number, maxEventsPerTask: number } | undefined
  apiKeys: ApiKey[]
  jwt: { secret?: string | undefined, jwksUrl?: string | undefined, issuer?: string | undefined, audience?: string | undefined, clockToleranceSec: number }
  streamTokens: { secret?: string | undefined, ttlSec: number }
  corsOrigins: string[]
  simulatorPort: number
  simulatorBehaviour?: Behaviour | undefined
  sse: { heartbeatMs: number, retryMs: number, replayHorizon: number, maxBufferBytes: number, maxStreamsPerOwner: number, maxStreamsPerIp: number, maxStreams?: number | undefined, catchUpMs: number }
  listenBacklog: number
  webhookBodyLimit: number
  rateLimit: { max: number, ownerMax: number, createMax: number, streamTokenMax: number, authFailuresMax: number, windowMs: number }
  maxActiveTasksPerOwner: number
  webhookVerify: boolean
  webhookHoldMs: number
  inputs: { httpAllowHosts: string[], denyHosts: string[], preflight: boolean, preflightTimeoutMs: number, maxBytes: number }
  reconcile: { enabled: boolean, intervalMs: number, concurrency: number }
  schedule: { overdueFactor: number, deadlineFactor: number, baseDelayMs: number, maxDelayMs: number }
  idempotencyTtlMs: number
  /** Finished tasks are deleted `retentionMs` after they finished (0: never), `batch` per transaction. */
  retention: { retentionMs: number, intervalMs: number, batch: number }
  createRetries: number
  circuit: { failureThreshold: number, cooldownMs: number }
  shutdownTimeoutMs: number
  /** Synchronous providers' tasks waiting for a call slot, all providers together. */
  syncQueueMax: number
  /** Bearer token that protects GET /metrics; undefined leaves it open in demo mode and unserved otherwise. */
  metricsToken?: string
  /** The commit being run, for bff_build_info. */
  commit: string
  media: {
    dir: string
    s3?: { bucket: string, endpoint?: string | undefined, region: string, accessKeyId?: string | undefined, secretAccessKey?: string | undefined, forcePathStyle: boolean } | undefined
    linkSecret?: string | undefined
    linkTtlSec: number
    sweepIntervalMs: number
  }
  custody: { enabled: boolean, retentionMs: number, maxBytes: number, timeoutMs: number, retryMs: number, maxAttempts: number }
  uploads: { maxBytes: number, quotaBytes: number, maxInProgress: number, unfinishedTtlMs: number, finishedTtlMs: number }
  /** Signed webhooks to the app's own backend (src/webhooks). */
  webhooks: WebhookSettings
}

export class ConfigError extends Error {
  readonly problems: string[]
  constructor (problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'ConfigError'
    this.problems = problems
  }
}

// Values of these variables are never echoed in an error: they are (or may hold) secrets.
const SECRET_NAME = /KEY|SECRET|TOKEN|PASSWORD|REDIS_URL|WEBHOOK_ENDPOINTS/

function describeIssue (name: string, value: string | undefined, message: string): string {
  if (!name) return `(environment): ${message}`
  return value === undefined || SECRET_NAME.test(name) ? `${name}: ${message}` : `${name}=${JSON.stringify(value)}: ${message}`
}

/**
 * Demo mode only when asked for (DEMO=true) or, outside production, when no ToMoviee credentials
 * are set; never with NODE_ENV=production, where missing credentials refuse the start instead of
 * quietly opening a public demo that accepts the well-known dev key.
 */
function decideMode (e: z.output<typeof ConfigSchema>): { demo: boolean, problems: string[] } {
  const problems: string[] = []
  const production = e.NODE_ENV === 'production'
  const hasKey = e.TOMOVIEE_APP_KEY !== undefined
  const hasSecret = e.TOMOVIEE_APP_SECRET !== undefined
  if (hasKey !== hasSecret) problems.push('TOMOVIEE_APP_KEY and TOMOVIEE_APP_SECRET must be set together')
  const credentials = hasKey && hasSecret
  const demo = e.DEMO ?? (!production && !hasKey && !hasSecret)
  if (demo && production) problems.push('DEMO=true: demo mode is never allowed with NODE_ENV=production')
  else if (demo && credentials) problems.push('DEMO=true: unset it to use the ToMoviee credentials, or unset the credentials for demo mode')
  if (e.DEMO === true && e.TENCENT_SECRET_ID !== undefined) problems.push('DEMO=true: unset it to use the Tencent credentials, or unset them for demo mode')
  if (e.DEMO === true && e.MEDIAIO_API_KEY !== undefined) problems.push('DEMO=true: unset it to use the Media.io key, or unset the key for demo mode')
  const jwtConfigured = e.JWT_SECRET !== undefined || e.JWT_JWKS_URL !== undefined
  const clientCredentials = Boolean(e.API_KEYS?.length) || jwtConfigured
  // One line names everything missing, so a bare production start says all of it at once.
  const missing = [
    ...(!demo && !credentials && hasKey === hasSecret ? ['TOMOVIEE_APP_KEY, TOMOVIEE_APP_SECRET'] : []),
    ...(!demo && !clientCredentials ? ['API_KEYS (or JWT_SECRET / JWT_JWKS_URL)'] : [])
  ]
  if (missing.length) {
    const why = production ? 'with NODE_ENV=production (demo mode never runs in production)' : e.DEMO === false ? 'with DEMO=false' : 'outside demo mode (the demo key is only for demo mode)'
    problems.push(`${missing.join(' and ')}: required ${why}`)
  }
  return { demo, problems }
}

/** Parses the environment once; throws one ConfigError naming every bad variable. */
export function loadConfig (env: Record<string, string | undefined>): Config {
  // An empty variable means "unset", as in most deployment tools.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''))
  const parsed = ConfigSchema.safeParse(present)
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => describeIssue(String(i.path[0] ?? ''), present[String(i.path[0])], i.message)))
  }
  const e = parsed.data
  const { demo, problems } = decideMode(e)
  const providers = readProviderConfigs(e, problems)
  if (e.BODY_TIMEOUT_MS < e.HEADERS_TIMEOUT_MS) problems.push('BODY_TIMEOUT_MS: must be at least HEADERS_TIMEOUT_MS (it covers the headers too)')
  problems.push(...webhookProblems(e))
  if (problems.length) throw new ConfigError(problems)

  return {
    host: e.HOST,
    port: e.PORT,
    publicUrl: (e.PUBLIC_URL ?? `http://127.0.0.1:${e.PORT}`).replace(/\/+$/, ''),
    trustProxy: e.TRUST_PROXY ?? false,
    edge: {
      headersTimeoutMs: e.HEADERS_TIMEOUT_MS,
      bodyTimeoutMs: e.BODY_TIMEOUT_MS,
      requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: e.KEEP_ALIVE_TIMEOUT_MS,
      connectionsMax: e.CONNECTIONS_MAX,
      connectionsPerIpMax: e.CONNECTIONS_PER_IP_MAX
    },
    logLevel: e.LOG_LEVEL,
    demo,
    simulateUnconfigured: demo || (e.NODE_ENV !== 'production' && e.DEMO !== false),
    ...providers,
    gateway: {
      baseUrl: e.TOMOVIEE_BASE_URL.replace(/\/+$/, ''),
      appKey: e.TOMOVIEE_APP_KEY ?? '',
      appSecret: e.TOMOVIEE_APP_SECRET ?? '',
      connectTimeoutMs: e.GATEWAY_CONNECT_TIMEOUT_MS,
      timeoutMs: e.GATEWAY_TIMEOUT_MS
    },
    databasePath: e.DATABASE_PATH,
    redis: e.REDIS_URL === undefined
      ? undefined
      : { url: e.REDIS_URL, prefix: e.REDIS_PREFIX, maxEventsPerOwner: e.EVENT_HISTORY_PER_OWNER, maxEventsPerTask: e.EVENT_HISTORY_PER_TASK },
    apiKeys: e.API_KEYS?.length ? e.API_KEYS : demo ? [{ ...DEMO_API_KEY }] : [],
    jwt: { secret: e.JWT_SECRET, jwksUrl: e.JWT_JWKS_URL, issuer: e.JWT_ISSUER, audience: e.JWT_AUDIENCE, clockToleranceSec: e.JWT_CLOCK_TOLERANCE_SEC },
    streamTokens: { secret: e.STREAM_TOKEN_SECRET, ttlSec: e.STREAM_TOKEN_TTL_SEC },
    corsOrigins: e.CORS_ORIGINS ?? [],
    simulatorPort: e.SIMULATOR_PORT,
    simulatorBehaviour: e.SIMULATOR_BEHAVIOUR,
    sse: {
      heartbeatMs: e.SSE_HEARTBEAT_MS,
      retryMs: e.SSE_RETRY_MS,
      replayHorizon: e.SSE_REPLAY_HORIZON,
      maxBufferBytes: e.SSE_MAX_BUFFER_BYTES,
      maxStreamsPerOwner: e.SSE_MAX_STREAMS_PER_OWNER,
      maxStreamsPerIp: e.SSE_MAX_STREAMS_PER_IP,
      maxStreams: e.SSE_MAX_STREAMS,
      catchUpMs: e.SSE_CATCH_UP_MS
    },
    listenBacklog: e.LISTEN_BACKLOG,
    webhookBodyLimit: e.WEBHOOK_BODY_LIMIT,
    rateLimit: {
      max: e.RATE_LIMIT_MAX,
      ownerMax: e.RATE_LIMIT_OWNER_MAX,
      createMax: e.RATE_LIMIT_CREATE_MAX,
      streamTokenMax: e.RATE_LIMIT_STREAM_TOKEN_MAX,
      authFailuresMax: e.RATE_LIMIT_AUTH_FAILURES_MAX,
      windowMs: e.RATE_LIMIT_WINDOW_MS
    },
    maxActiveTasksPerOwner: e.MAX_ACTIVE_TASKS_PER_OWNER,
    webhookVerify: e.WEBHOOK_VERIFY ?? !demo,
    webhookHoldMs: e.WEBHOOK_HOLD_MS,
    inputs: {
      httpAllowHosts: (e.INPUT_HTTP_ALLOW_HOSTS ?? []).map((h) => h.toLowerCase()),
      denyHosts: (e.INPUT_DENY_HOSTS ?? []).map((h) => h.toLowerCase()),
      preflight: e.INPUT_PREFLIGHT,
      preflightTimeoutMs: e.INPUT_PREFLIGHT_TIMEOUT_MS,
      maxBytes: e.INPUT_MAX_BYTES
    },
    reconcile: { enabled: e.RECONCILE_ENABLED, intervalMs: e.RECONCILE_INTERVAL_MS, concurrency: e.RECONCILE_CONCURRENCY },
    schedule: {
      overdueFactor: e.RECONCILE_OVERDUE_FACTOR,
      deadlineFactor: e.TASK_DEADLINE_FACTOR,
      baseDelayMs: e.RECONCILE_BASE_DELAY_MS,
      maxDelayMs: e.RECONCILE_MAX_DELAY_MS
    },
    idempotencyTtlMs: e.IDEMPOTENCY_TTL_MS,
    retention: { retentionMs: e.TASK_RETENTION_MS, intervalMs: e.RETENTION_INTERVAL_MS, batch: e.RETENTION_BATCH },
    createRetries: e.CREATE_RETRIES,
    circuit: { failureThreshold: e.CIRCUIT_FAILURE_THRESHOLD, cooldownMs: e.CIRCUIT_COOLDOWN_MS },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    syncQueueMax: e.SYNC_QUEUE_MAX,
    metricsToken: e.METRICS_TOKEN,
    commit: e.GIT_COMMIT_SHA,
    media: {
      dir: e.MEDIA_DIR,
      s3: e.MEDIA_S3_BUCKET === undefined
        ? undefined
        : { bucket: e.MEDIA_S3_BUCKET, endpoint: e.MEDIA_S3_ENDPOINT, region: e.MEDIA_S3_REGION, accessKeyId: e.MEDIA_S3_ACCESS_KEY_ID, secretAccessKey: e.MEDIA_S3_SECRET_ACCESS_KEY, forcePathStyle: e.MEDIA_S3_FORCE_PATH_STYLE },
      linkSecret: e.MEDIA_LINK_SECRET,
      linkTtlSec: e.MEDIA_LINK_TTL_SEC,
      sweepIntervalMs: e.MEDIA_SWEEP_INTERVAL_MS
    },
    custody: {
      enabled: e.OUTPUT_CUSTODY,
      retentionMs: e.OUTPUT_RETENTION_MS,
      maxBytes: e.OUTPUT_MAX_BYTES,
      timeoutMs: e.OUTPUT_COPY_TIMEOUT_MS,
      retryMs: e.OUTPUT_COPY_RETRY_MS,
      maxAttempts: e.OUTPUT_COPY_MAX_ATTEMPTS
    },
    uploads: {
      maxBytes: e.UPLOAD_MAX_BYTES,
      quotaBytes: e.UPLOAD_QUOTA_BYTES,
      maxInProgress: e.UPLOAD_MAX_IN_PROGRESS,
      unfinishedTtlMs: e.UPLOAD_UNFINISHED_TTL_MS,
      finishedTtlMs: e.UPLOAD_RETENTION_MS
    },
    webhooks: webhookSettings(e)
  }
}
