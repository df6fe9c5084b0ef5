import { randomUUID, timingSafeEqual } from 'node:crypto'
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify'
import { z } from 'zod'
import { generatePng } from '../../simulator-kit/assets.ts'
import { generateMp4 } from '../../simulator-kit/video.ts'
import { CREDITS_PATH, MODELS, RESULT_PATH_PREFIX } from '../models.ts'
import { CreateBodySchema, MEDIAIO_CODES, upstreamDataSchema } from '../wire.ts'
import { MediaioEngine, type MediaioSimTask, type SimFile } from './engine.ts'

export interface MediaioSimulatorOptions {
  apiKey: string
  /** Time a task stays waiting/pending. Default 1000. */
  queueMs?: number
  /** Time a task stays processing. Default 4000. */
  processMs?: number
  /** Starting balance; each accepted create costs `creditsPerTask`. Default 100000. */
  credits?: number
  creditsPerTask?: number
  /** Long side of 1K pictures. Default 512 (the real service makes 1024). */
  imageLongSide?: number
  /** Video frame height per resolution line. Default 0.125 (720P is 96 px high). */
  videoScale?: number
  vocabulary?: 'skill' | 'reference' | 'alternate'
  /** Public origin of the simulator, for result URLs; default: the Host of each request. */
  publicUrl?: string
  logger?: FastifyServerOptions['logger']
}

export interface MediaioSimulatorHandle {
  readonly tasks: ReadonlyMap<string, MediaioSimTask>
  /** Requests per route, counted before authentication. */
  readonly counts: { create: number, result: number, credits: number }
  /** Create bodies as received, newest last. */
  readonly bodies: unknown[]
  credits: number
}

declare module 'fastify' {
  interface FastifyInstance {
    mediaioSimulator: MediaioSimulatorHandle
  }
}

export const MEDIAIO_FILES_PATH = '/files'
const ms = z.int().min(0).max(2 ** 31 - 1)
const OptionsSchema = z.object({
  apiKey: z.string().min(1),
  queueMs: ms.default(1000),
  processMs: ms.default(4000),
  credits: z.int().min(0).default(100_000),
  creditsPerTask: z.int().min(0).default(10),
  imageLongSide: z.int().min(16).max(4096).default(512),
  videoScale: z.number().min(0.02).max(1).default(0.125),
  vocabulary: z.enum(['skill', 'reference', 'alternate']).default('alternate'),
  publicUrl: z.url().optional()
})
// Markers in the prompt that act at create time, before any task exists.
const marker = (word: string) => new RegExp(`(?<![\\w#-])#${word}(?![\\w-])`, 'i')
const BAD_KEY = marker('bad-key')
const NO_CREDITS = marker('no-credits')
const MODEL_BY_PATH = new Map(MODELS.map((m) => [`${m.family}/${m.code}`, { model: m, schema: upstreamDataSchema(m) }]))

/** A local stand-in for Media.io's AIGC OpenAPI (seed 002). Not listening yet. */
export async function buildMediaioSimulator (options: MediaioSimulatorOptions): Promise<FastifyInstance> {
  const opts = OptionsSchema.parse(options)
  const app = Fastify({ logger: options.logger ?? false })
  let origin = opts.publicUrl?.replace(/\/+$/, '')
  const engine = new MediaioEngine({ ...opts, fileUrl: (name) => `${origin ?? ''}${MEDIAIO_FILES_PATH}/${name}` })
  const handle: MediaioSimulatorHandle = { tasks: engine.tasks, counts: { create: 0, result: 0, credits: 0 }, bodies: [], credits: opts.credits }
  const cache = new Map<string, Buffer>()
  app.decorate('mediaioSimulator', handle)
  app.addHook('onClose', async () => { engine.close() })
  app.addHook('onRequest', async (request) => { origin ??= `http://${request.headers.host ?? 'localhost'}` })

  const authorized = (key: unknown) => typeof key === 'string' && safeEqual(key, opts.apiKey)

  app.post<{ Params: { family: string, code: string } }>('/generation/:family/:code', async (request, reply) => {
    handle.counts.create++
    if (!authorized(request.headers['x-api-key'])) return failure(reply, MEDIAIO_CODES.INVALID_KEY, 'Invalid API key')
    const entry = MODEL_BY_PATH.get(`${request.params.family}/${request.params.code}`)
    if (!entry) return failure(reply, 40400, 'No such API', 404)
    handle.bodies.push(request.body)
    const body = CreateBodySchema.safeParse(request.body)
    if (!body.success) return failure(reply, MEDIAIO_CODES.INVALID_PARAMETER, 'The parameters must be wrapped in data', 400)
    const data = entry.schema.safeParse(body.data.data)
    if (!data.success) return failure(reply, MEDIAIO_CODES.INVALID_PARAMETER, describeIssues(data.error.issues), 400)
    const prompt = typeof data.data.prompt === 'string' ? data.data.prompt : ''
    if (BAD_KEY.test(prompt)) return failure(reply, MEDIAIO_CODES.EXPIRED_KEY, 'API key expired')
    if (NO_CREDITS.test(prompt) || handle.credits < opts.creditsPerTask) return failure(reply, MEDIAIO_CODES.INSUFFICIENT_CREDITS, 'Insufficient credits')
    handle.credits -= opts.creditsPerTask
    const task = engine.create(entry.model, data.data)
    request.log.info({ taskId: task.id, model: entry.model.code }, 'simulated Media.io task created')
    return success({ task_id: task.id })
  })

  // A static segment outranks the parameter above, so this route is never taken for a model.
  app.post<{ Params: { taskId: string } }>(`${RESULT_PATH_PREFIX}:taskId`, async (request, reply) => {
    const taskId = request.params.taskId
    handle.counts.result++
    if (!authorized(request.headers['x-api-key'])) return failure(reply, MEDIAIO_CODES.INVALID_KEY, 'Invalid API key')
    const task = engine.tasks.get(taskId)
    if (!task) return failure(reply, MEDIAIO_CODES.TASK_NOT_FOUND, 'Task not found')
    task.polls++
    const finished = task.files.size > 0
    return success({ task_id: task.id, status: task.status, ...(finished ? { result: engine.resultOf(task) } : {}) })
  })

  app.post(CREDITS_PATH, async (request, reply) => {
    handle.counts.credits++
    if (!authorized(request.headers['x-api-key'])) return failure(reply, MEDIAIO_CODES.INVALID_KEY, 'Invalid API key')
    return success({ credits: handle.credits })
  })

  // Stands for Media.io's CDN: result links need no key.
  app.get<{ Params: { name: string } }>(`${MEDIAIO_FILES_PATH}/:name`, async (request, reply) => {
    const file = engine.fileOf(request.params.name)
    if (!file) return failure(reply, 40400, 'No such file', 404)
    const key = `${file.kind}-${file.width}x${file.height}-${file.seconds}-${file.seed % 4}`
    let bytes = cache.get(key)
    if (!bytes) {
      bytes = render(file)
      cache.set(key, bytes)
    }
    return reply.type(file.kind === 'png' ? 'image/png' : 'video/mp4').header('cache-control', 'public, max-age=3600').send(bytes)
  })

  app.setNotFoundHandler((_request, reply) => failure(reply, 40400, 'Not found', 404))
  app.setErrorHandler<FastifyError>((err, request, reply) => {
    const status = typeof err.statusCode === 'number' ? err.statusCode : 500
    if (status >= 500) {
      request.log.error({ err }, 'simulator error')
      return failure(reply, 50000, 'Internal error', 500)
    }
    return failure(reply, MEDIAIO_CODES.INVALID_PARAMETER, err.message, 400)
  })
  return app
}

function render (file: SimFile): Buffer {
  if (file.kind === 'png') return generatePng({ kind: 'image', width: file.width, height: file.height, seed: file.seed })
  return generateMp4({ seconds: file.seconds, maxSeconds: 30, width: file.width, height: file.height, seed: file.seed })
}

const traceId = () => randomUUID().replaceAll('-', '')
const success = (data: unknown) => ({ code: MEDIAIO_CODES.OK, msg: '', data, trace_id: traceId() })

/** Business errors travel in `code` with HTTP 200, as our reading of the document (see DISAGREEMENTS.md). */
function failure (reply: FastifyReply, code: number, msg: string, http = 200): FastifyReply {
  return reply.code(http).send({ code, msg, data: {}, trace_id: traceId() })
}

function safeEqual (given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

// Paths and zod's messages only: never values.
function describeIssues (issues: readonly { path: readonly PropertyKey[], message: string }[]): string {
  return [...new Set(issues.map((i) => `data.${i.path.map(String).join('.')}: ${i.message}`))].join('; ') || 'invalid data'
}
