import { randomUUID, timingSafeEqual } from 'node:crypto'
import { crc32 } from 'node:zlib'
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify'
import { z } from 'zod'
import type { Behaviour } from '../../simulator-kit/behaviour.ts'
import { ActionRequestSchema } from '../wire.ts'
import { TencentEngine, type TencentSimJob } from './engine.ts'
import { generateMp3, mp3ToMp4 } from './media.ts'

export interface TencentSimulatorOptions {
  secretId: string
  secretKey: string
  /** Time a job stays SUBMITTED. Default 1000. */
  queueMs?: number
  /** Time a job stays PROCESSING. Default 4000. */
  processMs?: number
  callbackTimeoutMs?: number
  /** Extra attempts for a callback that got no 2xx. Default 3. */
  callbackRetries?: number
  /** Wait before the first retry, doubled for each further one. Default 1000. */
  callbackRetryDelayMs?: number
  /** Length of each generated song. Default 4. */
  songSeconds?: number
  /** Applied to jobs whose input URL carries no marker. */
  defaultBehaviour?: Partial<Behaviour>
  logger?: FastifyServerOptions['logger']
}

export interface TencentSimulatorHandle {
  readonly jobs: ReadonlyMap<string, TencentSimJob>
  /** Requests per action, counted before authentication. */
  readonly counts: Readonly<Record<'CreateJob' | 'GetJob' | 'ListJobs', number>>
}

declare module 'fastify' {
  interface FastifyInstance {
    tencentSimulator: TencentSimulatorHandle
  }
}

/** The one endpoint path of the document; every action is a POST to it. */
export const TENCENT_JOB_PATH = '/release/job'
/** Where the simulator serves the "storage" results are written to: use `<origin>/storage` as the output base URL. */
export const TENCENT_STORAGE_PATH = '/storage'

const ms = z.int().min(0).max(2 ** 31 - 1)
const OptionsSchema = z.object({
  secretId: z.string().min(1),
  secretKey: z.string().min(1),
  queueMs: ms.default(1000),
  processMs: ms.default(4000),
  callbackTimeoutMs: ms.min(1).default(5000),
  callbackRetries: z.int().min(0).max(100).default(3),
  callbackRetryDelayMs: ms.default(1000),
  songSeconds: z.number().min(1).max(30).default(4)
})
const CONTENT_TYPES = { mp3: 'audio/mpeg', mp4: 'video/mp4' } as const
// Encoding is the slow part (about 0.4 s per second of audio), so a few variants serve every file.
const VARIANTS = 3

/** A local stand-in for Tencent's image-to-music job API (seed 004). Not listening yet. */
export async function buildTencentSimulator (options: TencentSimulatorOptions): Promise<FastifyInstance> {
  const opts = OptionsSchema.parse(options)
  const app = Fastify({ logger: options.logger ?? false })
  const engine = new TencentEngine({ ...opts, logger: app.log, defaultBehaviour: options.defaultBehaviour })
  const counts = { CreateJob: 0, GetJob: 0, ListJobs: 0 }
  const media = new Map<string, Buffer>()
  app.decorate('tencentSimulator', { jobs: engine.jobs, counts })
  app.addHook('onClose', async () => { await engine.close() })

  app.post(TENCENT_JOB_PATH, async (request, reply) => {
    const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<string, unknown>
    const action = body.action
    if (action === 'CreateJob' || action === 'GetJob' || action === 'ListJobs') counts[action]++
    if (!matches(body.secretId, opts.secretId) || !matches(body.secretKey, opts.secretKey)) {
      return failure(reply, 401, 'AuthFailure.SecretIdNotFound', 'The SecretId or SecretKey is not valid')
    }
    const parsed = ActionRequestSchema.safeParse(body)
    if (!parsed.success) return failure(reply, 400, 'InvalidParameter', describeIssues(parsed.error.issues))
    const req = parsed.data
    const requestId = randomUUID()
    if (req.action === 'CreateJob') {
      const job = engine.create(req.createJobRequest)
      request.log.info({ jobId: job.id, customId: job.customId }, 'simulated Tencent job created')
      return { requestId, createJobResponse: { job } }
    }
    if (req.action === 'GetJob') {
      const found = engine.jobs.get(req.getJobRequest.id)
      if (!found) return failure(reply, 404, 'ResourceNotFound.Job', 'No job with this id')
      return { requestId, getJobResponse: { job: found.job } }
    }
    const jobs = engine.listByCustomId(req.listJobsRequest.customId)
    return { requestId, listJobsResponse: { jobs, total: jobs.length } }
  })

  // Stands for the caller's own storage (a COS bucket behind a CDN), so it needs no credentials.
  app.get<{ Params: { '*': string } }>(`${TENCENT_STORAGE_PATH}/*`, async (request, reply) => {
    const path = `/${request.params['*']}`
    const kind = [...engine.jobs.values()].map((j) => j.files.get(path)).find((k) => k !== undefined)
    if (kind === undefined) return failure(reply, 404, 'ResourceNotFound.File', 'No such file')
    const variant = crc32(path) % VARIANTS
    const key = `${kind}-${variant}`
    let file = media.get(key)
    if (file === undefined) {
      const mp3 = generateMp3({ seconds: opts.songSeconds, seed: variant + 1 })
      file = kind === 'mp4' ? mp3ToMp4(mp3) : mp3
      media.set(key, file)
    }
    return reply.type(CONTENT_TYPES[kind]).header('cache-control', 'public, max-age=3600').send(file)
  })

  app.setNotFoundHandler((_request, reply) => failure(reply, 404, 'ResourceNotFound', 'Not found'))
  app.setErrorHandler<FastifyError>((err, request, reply) => {
    const status = typeof err.statusCode === 'number' ? err.statusCode : 500
    if (status >= 500) {
      request.log.error({ err }, 'simulator error')
      return failure(reply, 500, 'InternalError', 'Internal error')
    }
    return failure(reply, status === 415 ? 400 : status, 'InvalidParameter', err.message)
  })
  return app
}

function failure (reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).send({ requestId: randomUUID(), error: { code, message } })
}

function matches (given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

// Paths and zod's messages only: a value could be a secret.
function describeIssues (issues: readonly { path: readonly PropertyKey[], message: string }[]): string {
  return [...new Set(issues.map((i) => `${i.path.map(String).join('.') || '(body)'}: ${i.message}`))].join('; ') || 'invalid body'
}
