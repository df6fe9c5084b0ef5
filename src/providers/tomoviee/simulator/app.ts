import { timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { crc32 } from 'node:zlib'
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify'
import { z } from 'zod'
import { findCapabilityByEndpoint } from '../capabilities/index.ts'
import { UpstreamCommonSchema, type CapabilityDefinition } from '../../../tasks/capabilities/types.ts'
import { ASSET_FORMATS, audioSeconds, renderAsset } from '../../simulator-kit/assets.ts'
import type { Behaviour } from '../../simulator-kit/behaviour.ts'
import { SimulatorEngine, type SimTask } from './engine.ts'

export interface SimulatorOptions {
  appKey: string
  appSecret: string
  /** Time a task spends queued (status 1). Default 1000. */
  queueMs?: number
  /** Time a task spends processing (status 2) with rising progress. Default 4000. */
  processMs?: number
  /** Distinct progress values reported while processing. Default 5. */
  progressSteps?: number
  /** Base of the asset URLs in results; default: the create request's protocol and Host. */
  publicUrl?: string
  logger?: FastifyServerOptions['logger']
  /** A ready logger (e.g. the BFF's child logger in demo mode); wins over `logger`. */
  loggerInstance?: FastifyBaseLogger
  /** Applied to tasks whose prompt carries no behaviour marker. */
  defaultBehaviour?: Partial<Behaviour>
  /** Longest wait for a callback receiver. Default 5000. */
  callbackTimeoutMs?: number
  /**
   * Extra attempts for a callback that got no 2xx (another status, a network error or a timeout).
   * 0 sends each callback once. Default 3.
   */
  callbackRetries?: number
  /** Wait before the first retry, doubled for each further one (base, 2×base, 4×base, …). Default 1000. */
  callbackRetryDelayMs?: number
  /** Also call back with status 2 at every progress step (undocumented upstream; off by default). */
  progressCallbacks?: boolean
  /** Hosts (`host` for any port, or `host:port`) whose input URLs it fetches, failing the task when a fetch fails. */
  fetchInputHosts?: readonly string[]
}

/** Test access to the simulator's state. */
export interface SimulatorHandle {
  readonly tasks: ReadonlyMap<string, SimTask>
  /** Requests received on the create and result routes, counted before authentication; result reads also per task id. */
  readonly counts: Readonly<{ create: number, result: number, resultsByTask: ReadonlyMap<string, number> }>
  /** Set assetStatus to make every asset download answer that status (a CDN outage), null to serve again. */
  readonly faults: { assetStatus: number | null }
}

declare module 'fastify' {
  interface FastifyInstance {
    simulator: SimulatorHandle
  }
}

/** Upper bound of callbackRetries; past it the backoff is far beyond any test's patience anyway. */
export const MAX_CALLBACK_RETRIES = 100

const ms = z.number().int().min(0).max(2 ** 31 - 1)
const OptionsSchema = z.object({
  appKey: z.string().min(1),
  appSecret: z.string().min(1),
  queueMs: ms.default(1000),
  processMs: ms.default(4000),
  progressSteps: z.int().min(1).max(100).default(5),
  publicUrl: z.url({ protocol: /^https?$/ }).optional(),
  callbackTimeoutMs: ms.min(1).default(5000),
  callbackRetries: z.int().min(0).max(MAX_CALLBACK_RETRIES).default(3),
  callbackRetryDelayMs: ms.default(1000),
  progressCallbacks: z.boolean().default(false)
})

const TaskQuerySchema = z.object({ task_id: z.string().min(1) })

/** A local stand-in for the ToMoviee gateway (see shared/upstream/tomoviee-api.md §12). Not listening yet. */
export async function buildSimulator (options: SimulatorOptions): Promise<FastifyInstance> {
  const opts = OptionsSchema.parse(options)
  const publicUrl = opts.publicUrl?.replace(/\/+$/, '')
  // Its own request ids, so its lines never pass for the BFF's when both log to one stream.
  let requests = 0
  const app = Fastify({
    ...(options.loggerInstance ? { loggerInstance: options.loggerInstance } : { logger: options.logger ?? false }),
    genReqId: () => `sim-${++requests}`
  })
  const inputs = options.fetchInputHosts?.length ? { hosts: options.fetchInputHosts, timeoutMs: opts.callbackTimeoutMs } : undefined
  const engine = new SimulatorEngine({ ...opts, logger: app.log, defaultBehaviour: options.defaultBehaviour, inputs })
  const resultsByTask = new Map<string, number>()
  const counts = { create: 0, result: 0, resultsByTask }
  const credentials = Buffer.from(`${opts.appKey}:${opts.appSecret}`, 'utf8')
  const faults: SimulatorHandle['faults'] = { assetStatus: null }
  app.decorate('simulator', { tasks: engine.tasks, counts, faults })
  app.addHook('onClose', async () => { await engine.close() })

  const authenticate = async (request: { headers: IncomingHttpHeaders }, reply: FastifyReply) => {
    if (!authorized(request.headers, opts.appKey, credentials)) return envelope(reply, 401, 'Authentication failed')
  }

  app.post<{ Params: { capability: string } }>('/v1/open/capacity/application/:capability', {
    onRequest: [async () => { counts.create++ }, authenticate]
  }, async (request, reply) => {
    const def = findCapabilityByEndpoint(request.params.capability)
    if (!def) return envelope(reply, 404, `Unknown capability: ${request.params.capability}`)
    if (!isJson(request.headers)) return envelope(reply, 400, 'Invalid parameters: Content-Type must be application/json')
    const parsed = upstreamSchema(def).safeParse(request.body)
    if (!parsed.success || !isRecord(request.body)) {
      return envelope(reply, 400, `Invalid parameters: ${describeIssues(parsed.error?.issues ?? [])}`)
    }
    const baseUrl = publicUrl ?? `${request.protocol}://${request.host}`
    const task = engine.create({ endpoint: def.endpoint, body: request.body, outputs: def.outputs, baseUrl })
    request.log.info({ taskId: task.id, endpoint: def.endpoint, behaviour: task.behaviour }, 'simulated task created')
    return { code: 0, msg: 'success', data: { task_id: task.id } }
  })

  app.post('/v1/open/pub/task', {
    onRequest: [async () => { counts.result++ }, authenticate]
  }, async (request, reply) => {
    if (!isJson(request.headers)) return envelope(reply, 400, 'Invalid parameters: Content-Type must be application/json')
    const parsed = TaskQuerySchema.safeParse(request.body)
    if (!parsed.success) return envelope(reply, 400, `Invalid parameters: ${describeIssues(parsed.error.issues)}`)
    resultsByTask.set(parsed.data.task_id, (resultsByTask.get(parsed.data.task_id) ?? 0) + 1)
    const task = engine.tasks.get(parsed.data.task_id)
    if (!task) return envelope(reply, 404, 'task not found')
    return {
      code: 0,
      msg: 'success',
      data: {
        task_id: task.id,
        status: task.status,
        progress: task.progress,
        ...(task.status === 3 && task.result !== undefined ? { result: task.result } : {}),
        ...(task.reason !== undefined ? { reason: task.reason } : {})
      }
    }
  })

  // Public like a CDN: the real gateway's output URLs need no credentials either.
  app.get<{ Params: { taskId: string, file: string } }>('/assets/:taskId/:file', async (request, reply) => {
    const { taskId, file } = request.params
    const task = engine.tasks.get(taskId)
    const type = task?.status === 3 ? task.assets.get(file) : undefined
    if (task === undefined || type === undefined) return envelope(reply, 404, 'asset not found')
    if (faults.assetStatus !== null) return envelope(reply, faults.assetStatus, 'asset unavailable')
    const body = renderAsset(type, { seconds: audioSeconds(task.body.duration), seed: crc32(`${taskId}/${file}`) })
    reply.type(ASSET_FORMATS[type].contentType).header('cache-control', 'public, max-age=3600').header('accept-ranges', 'bytes')
    // Browsers seek in audio and video with Range requests; without them a player cannot jump ahead.
    const range = byteRange(request.headers.range, body.length)
    if (range === 'unsatisfiable') return reply.code(416).header('content-range', `bytes */${body.length}`).send()
    if (range === null) return reply.send(body)
    return reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${body.length}`).send(body.subarray(range.start, range.end + 1))
  })

  app.setNotFoundHandler((_request, reply) => envelope(reply, 404, 'Not found'))
  app.setErrorHandler<FastifyError>((err, request, reply) => {
    const status = typeof err.statusCode === 'number' ? err.statusCode : 500
    if (status >= 500) {
      request.log.error({ err }, 'simulator error')
      return envelope(reply, 500, 'Internal error')
    }
    // Fastify answers unknown content types with 415; the gateway documents only 400 for bad requests.
    if (status === 400 || status === 415) return envelope(reply, 400, `Invalid parameters: ${err.message}`)
    return envelope(reply, status, err.message)
  })

  return app
}

function envelope (reply: FastifyReply, status: number, msg: string): FastifyReply {
  return reply.code(status).send({ code: status, msg })
}

/** Basic base64(appKey:appSecret) plus a matching X-App-Key, compared in constant time. */
function authorized (headers: IncomingHttpHeaders, appKey: string, credentials: Buffer): boolean {
  const match = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(headers.authorization ?? '')
  if (headers['x-app-key'] !== appKey || match?.[1] === undefined) return false
  const given = Buffer.from(match[1], 'base64')
  return given.length === credentials.length && timingSafeEqual(given, credentials)
}

function isJson (headers: IncomingHttpHeaders): boolean {
  return /^application\/json\s*(;|$)/i.test(headers['content-type'] ?? '')
}

function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const schemas = new WeakMap<CapabilityDefinition, z.ZodType>()

/** The capability's own upstream schema plus callback/params; the public input schema plays no part. */
function upstreamSchema (def: CapabilityDefinition): z.ZodType {
  let schema = schemas.get(def)
  if (schema === undefined) {
    schema = z.intersection(def.upstream, UpstreamCommonSchema)
    schemas.set(def, schema)
  }
  return schema
}

function describeIssues (issues: readonly { path: readonly PropertyKey[], message: string }[]): string {
  const lines = issues.map((i) => `${i.path.map(String).join('.') || '(body)'}: ${i.message}`)
  return [...new Set(lines)].join('; ') || 'body is not a JSON object'
}

/** One `bytes=` range (the only kind players send); null to answer the whole file. */
function byteRange (header: string | undefined, size: number): { start: number, end: number } | 'unsatisfiable' | null {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null
  if (!m || (m[1] === '' && m[2] === '')) return null
  const start = m[1] === '' ? Math.max(0, size - Number(m[2])) : Number(m[1])
  const end = m[1] === '' || m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1)
  return start > end || start >= size ? 'unsatisfiable' : { start, end }
}
