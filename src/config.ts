import type { z } from 'zod'
import type { ApiKey, TrustProxy } from './config-fields.ts'
import { ConfigSchema } from './config-schema.ts'
import { readProviderConfigs, type ProviderConfigs } from './providers/config-blocks.ts'
import { PROVIDERS } from './providers/registry.ts'
import { metadataLimits, type MetadataLimits } from './tasks/metadata.ts'
import { webhookProblems, webhookSettings, type WebhookSettings } from './webhooks/config.ts'

export type { ApiKey, TrustProxy } from './config-fields.ts'
export { ConfigSchema, type Env } from './config-schema.ts'

/** The client key accepted in demo mode when `API_KEYS` is not set. */
export const DEMO_API_KEY = { owner: 'demo', key: 'dev-key' } as const

/** Besides the fields below, one block per provider (`tomoviee`, `tencent`, ...: each provider's `settings`). */
export interface Config extends ProviderConfigs {
  host: string
  port: number
  publicUrl: string
  trustProxy: TrustProxy
  /** Socket and request deadlines (ms) and connection caps. */
  edge: { headersTimeoutMs: number, bodyTimeoutMs: number, requestTimeoutMs: number, keepAliveTimeoutMs: number, connectionsMax: number, connectionsPerIpMax: number }
  logLevel: z.infer<typeof ConfigSchema>['LOG_LEVEL']
  /** Demo mode: the provider that decides it (ToMoviee) has no credentials, so the server starts its simulator and accepts the dev key. */
  demo: boolean
  /** Outside production (and unless DEMO=false): a provider without credentials runs against its simulator instead of being off. */
  simulateUnconfigured: boolean
  databasePath: string
  redis?: { url: string, prefix: string, maxEventsPerOwner: number, maxEventsPerTask: number } | undefined
  apiKeys: ApiKey[]
  /** Owners allowed on the operators' routes; empty: nobody. */
  operatorOwners: string[]
  jwt: { secret?: string | undefined, jwksUrl?: string | undefined, issuer?: string | undefined, audience?: string | undefined, clockToleranceSec: number }
  streamTokens: { secret?: string | undefined, ttlSec: number }
  corsOrigins: string[]
  sse: { heartbeatMs: number, retryMs: number, replayHorizon: number, maxBufferBytes: number, maxStreamsPerOwner: number, maxStreamsPerIp: number, maxStreams?: number | undefined, catchUpMs: number }
  listenBacklog: number
  webhookBodyLimit: number
  rateLimit: { max: number, ownerMax: number, createMax: number, streamTokenMax: number, authFailuresMax: number, windowMs: number }
  maxActiveTasksPerOwner: number
  webhookVerify: boolean
  webhookHoldMs: number
  inputs: { httpAllowHosts: string[], denyHosts: string[], preflight: boolean, preflightTimeoutMs: number, maxBytes: number }
  reconcile: { enabled: boolean, intervalMs: number, concurrency: number }
  /** Progress polls of watched running tasks every `intervalMs` (0: off). */
  progressPoll: { intervalMs: number, concurrency: number }
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
  /** Size limits of a task's `metadata`. */
  metadata: MetadataLimits
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
 * Demo mode only when asked for (DEMO=true) or, outside production, when the provider that decides
 * it (ToMoviee's settings say `decidesDemo`) has no credentials; never with NODE_ENV=production,
 * where missing credentials refuse the start instead of quietly opening a public demo that accepts
 * the well-known dev key. Each provider checks its own credentials are complete when it reads them.
 */
function decideMode (e: z.output<typeof ConfigSchema>): { demo: boolean, problems: string[] } {
  const problems: string[] = []
  const production = e.NODE_ENV === 'production'
  const variables: Record<string, unknown> = e
  const isSet = (name: string): boolean => variables[name] !== undefined
  const withCredentials = PROVIDERS.map((p) => ({ title: p.title, settings: p.settings, names: p.settings.credentials ?? [] })).filter((p) => p.names.length > 0)
  const deciding = withCredentials.filter((p) => p.settings.decidesDemo === true)
  const noneSet = deciding.every((p) => !p.names.some(isSet))
  const demo = e.DEMO === true || (e.DEMO === undefined && !production && noneSet)
  if (demo && production) problems.push('DEMO=true: demo mode is never allowed with NODE_ENV=production')
  else if (e.DEMO === true) {
    for (const p of withCredentials.filter((c) => c.names.every(isSet))) problems.push(`DEMO=true: unset it to use the ${p.title} credentials (${p.names.join(', ')}), or unset them for demo mode`)
  }
  const jwtConfigured = e.JWT_SECRET !== undefined || e.JWT_JWKS_URL !== undefined
  const clientCredentials = Boolean(e.API_KEYS?.length) || jwtConfigured
  // One line names everything missing, so a bare production start says all of it at once.
  const missing = [
    // A half-set pair is reported by the provider itself.
    ...(!demo ? deciding.filter((p) => !p.names.some(isSet)).map((p) => p.names.join(', ')) : []),
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
    databasePath: e.DATABASE_PATH,
    redis: e.REDIS_URL === undefined
      ? undefined
      : { url: e.REDIS_URL, prefix: e.REDIS_PREFIX, maxEventsPerOwner: e.EVENT_HISTORY_PER_OWNER, maxEventsPerTask: e.EVENT_HISTORY_PER_TASK },
    apiKeys: e.API_KEYS?.length ? e.API_KEYS : demo ? [{ ...DEMO_API_KEY }] : [],
    operatorOwners: e.OPERATOR_OWNERS?.length ? e.OPERATOR_OWNERS : demo ? [DEMO_API_KEY.owner] : [],
    jwt: { secret: e.JWT_SECRET, jwksUrl: e.JWT_JWKS_URL, issuer: e.JWT_ISSUER, audience: e.JWT_AUDIENCE, clockToleranceSec: e.JWT_CLOCK_TOLERANCE_SEC },
    streamTokens: { secret: e.STREAM_TOKEN_SECRET, ttlSec: e.STREAM_TOKEN_TTL_SEC },
    corsOrigins: e.CORS_ORIGINS ?? [],
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
    progressPoll: { intervalMs: e.PROGRESS_POLL_MS ?? (demo ? 1_000 : 5_000), concurrency: e.PROGRESS_POLL_CONCURRENCY },
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
    webhooks: webhookSettings(e),
    metadata: metadataLimits(e)
  }
}
