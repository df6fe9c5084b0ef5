import { z } from 'zod'
import { ApiKeysSchema, count, factor, flag, list, optionalSecret, port, positive, TrustProxySchema } from './config-fields.ts'
import { PROVIDER_ENV_SHAPE } from './providers/config-blocks.ts'
import { METADATA_ENV } from './tasks/metadata.ts'
import { WEBHOOK_ENV } from './webhooks/config.ts'

/** The BFF's own variables; each provider's come from its settings (src/providers/config-blocks.ts). */
export const CoreConfigSchema = z.object({
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
  OPERATOR_OWNERS: list.optional().describe('Owners (as authenticated: API-key owners, or `jwt:<iss>:<sub>`) that may call the operators\' routes (GET /v1/providers); unset: the demo owner in demo mode, nobody otherwise.'),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional().describe('Shared secret for HS256 client JWTs (at least 32 characters).'),
  JWT_JWKS_URL: z.url({ protocol: /^https?$/ }).optional().describe('JWKS URL for RS256/ES256 client JWTs.'),
  JWT_ISSUER: z.string().min(1).optional().describe('Required `iss` of client JWTs.'),
  JWT_AUDIENCE: z.string().min(1).optional().describe('Required `aud` of client JWTs.'),
  JWT_CLOCK_TOLERANCE_SEC: count.default(30).describe('Allowed clock skew when checking JWT `exp`/`nbf`.'),
  STREAM_TOKEN_SECRET: z.string().min(32, 'must be at least 32 characters').optional()
    .describe('Secret that signs SSE stream tokens; set the same value on every instance. Default: random per process.'),
  STREAM_TOKEN_TTL_SEC: z.coerce.number().int().min(10).max(3600).default(300).describe('Lifetime of a stream token.'),
  CORS_ORIGINS: list.optional().describe('Browser origins allowed to call the API, comma-separated (none by default).'),

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
  PROGRESS_POLL_MS: count.optional().describe('How often running tasks that a live stream watches are polled for progress (0 turns progress polling off). Unwatched tasks are never polled for it. Default 5000; 1000 in demo mode, where simulated jobs take seconds.'),
  PROGRESS_POLL_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4).describe('Progress polls in flight at once per instance.'),
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
  MEDIA_DIR: z.string().min(1).default('./data/media').describe('Directory for uploads in progress in embedded mode, and for every media file when no S3 bucket is set.'),
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
  ...WEBHOOK_ENV,
  ...METADATA_ENV
})

/** Every environment variable the BFF reads, with its default and description (the README table is checked against it). */
export const ConfigSchema = CoreConfigSchema.extend(PROVIDER_ENV_SHAPE)

export type Env = z.input<typeof ConfigSchema>
