import { randomUUID } from 'node:crypto'
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify'
import { z } from 'zod'
import { generatePng } from '../../simulator-kit/assets.ts'
import { generateSvg } from '../../simulator-kit/svg.ts'
import { DIAGRAM_KINDS, DIAGRAMS, DiagramRequestSchema, EDRAWMAX_CODE, USER_ID_HEADER, type DiagramKind } from '../wire.ts'
import { labelsOf, sourceFor } from './diagrams.ts'

export interface EdrawmaxSimulatorOptions {
  /** Time each call takes before it answers. Default 1500. */
  delayMs?: number
  /** Calls one X-User-ID may have in flight; one more is answered 3001. Default 2. */
  perUserConcurrency?: number
  logger?: FastifyServerOptions['logger']
}

/** One call as the simulator saw it, for tests. */
export interface SeenCall { diagram: DiagramKind, userId: string | undefined, body: unknown, code: number }

export interface EdrawmaxSimulatorHandle {
  readonly calls: readonly SeenCall[]
  /** Calls in flight per user id ("0" when the header is absent, as upstream). */
  readonly inFlight: ReadonlyMap<string, number>
}

declare module 'fastify' {
  interface FastifyInstance {
    edrawmaxSimulator: EdrawmaxSimulatorHandle
  }
}

/** Where the API answers: use `<origin>/api/ai` as the base URL. */
export const EDRAWMAX_API_PATH = '/api/ai'
/** Where the "OSS" result files are served. */
export const EDRAWMAX_FILES_PATH = '/oss'

const OptionsSchema = z.object({
  delayMs: z.int().min(0).max(600_000).default(1500),
  perUserConcurrency: z.int().min(1).max(1000).default(2)
})
const MAX_FILES = 500
const MAX_DELAY_MS = 600_000

// Whole-word markers in the prompt, like the other simulators': "#reject" counts, "#rejected" does not.
const MARKER = /(?<![\w#-])#(reject|busy|generation-failed|render-failed|flaky-generation|flaky-render|panic|bad-param|untrusted-host|http-url|no-source|delay=(\d+))(?![\w-])/gi

interface Behaviour { code: number, flaky: boolean, untrusted: 'host' | 'http' | null, noSource: boolean, delayMs?: number }

function behaviourOf (prompt: string): Behaviour {
  const b: Behaviour = { code: EDRAWMAX_CODE.OK, flaky: false, untrusted: null, noSource: false }
  for (const m of prompt.matchAll(MARKER)) {
    const word = (m[1] ?? '').toLowerCase()
    if (word === 'reject') b.code = EDRAWMAX_CODE.CONTENT_REJECTED
    else if (word === 'busy') b.code = EDRAWMAX_CODE.USER_CONCURRENCY
    else if (word === 'generation-failed' || word === 'flaky-generation') b.code = EDRAWMAX_CODE.GENERATION_FAILED
    else if (word === 'render-failed' || word === 'flaky-render') b.code = EDRAWMAX_CODE.RENDERING_FAILED
    else if (word === 'panic') b.code = EDRAWMAX_CODE.INTERNAL
    else if (word === 'bad-param') b.code = EDRAWMAX_CODE.BAD_PARAMETER
    else if (word === 'untrusted-host') b.untrusted = 'host'
    else if (word === 'http-url') b.untrusted = 'http'
    else if (word === 'no-source') b.noSource = true
    else b.delayMs = Math.min(Number(m[2]), MAX_DELAY_MS)
    if (word.startsWith('flaky-')) b.flaky = true
  }
  return b
}

/**
 * A local stand-in for EdrawMax's diagram API (seed 002): four synchronous endpoints, the
 * documented error codes on demand, the per-user concurrency limit, and real PNG and SVG files.
 */
export async function buildEdrawmaxSimulator (options: EdrawmaxSimulatorOptions = {}): Promise<FastifyInstance> {
  const opts = OptionsSchema.parse(options)
  const app = Fastify({ logger: options.logger ?? false, forceCloseConnections: true })
  const calls: SeenCall[] = []
  const inFlight = new Map<string, number>()
  // A flaky prompt fails its first call and succeeds on the next, per user.
  const attempts = new Map<string, number>()
  const files = new Map<string, { type: 'png' | 'svg', body: Buffer }>()
  const timers = new Set<NodeJS.Timeout>()
  app.decorate('edrawmaxSimulator', { calls, inFlight })
  app.addHook('onClose', async () => { for (const t of timers) clearTimeout(t) })

  const wait = (ms: number) => new Promise<void>((resolve) => {
    const t = setTimeout(() => { timers.delete(t); resolve() }, ms)
    timers.add(t)
  })
  const keep = (id: string, file: { type: 'png' | 'svg', body: Buffer }) => {
    if (files.size >= MAX_FILES) files.delete(files.keys().next().value!)
    files.set(id, file)
  }

  for (const diagram of DIAGRAM_KINDS) {
    app.post(`${EDRAWMAX_API_PATH}${DIAGRAMS[diagram].path}`, async (request, reply) => {
      const header = request.headers[USER_ID_HEADER]
      const userId = typeof header === 'string' && header !== '' ? header : undefined
      const seen: SeenCall = { diagram, userId, body: request.body, code: EDRAWMAX_CODE.OK }
      calls.push(seen)
      const answer = (code: number, msg: string, data: Record<string, unknown> | null = null, status = 200) => {
        seen.code = code
        return reply.code(status).send({ code, msg, data })
      }
      const parsed = DiagramRequestSchema.safeParse(request.body)
      if (!parsed.success) return answer(EDRAWMAX_CODE.BAD_PARAMETER, 'invalid parameter: prompt is required, lang must be one of the supported codes, no other fields')
      const user = userId ?? '0'
      const running = inFlight.get(user) ?? 0
      if (running >= opts.perUserConcurrency) return answer(EDRAWMAX_CODE.USER_CONCURRENCY, 'too many concurrent requests for this user')
      inFlight.set(user, running + 1)
      try {
        const b = behaviourOf(parsed.data.prompt)
        await wait(b.delayMs ?? opts.delayMs)
        const key = `${user}\n${diagram}\n${parsed.data.prompt}`
        const attempt = (attempts.get(key) ?? 0) + 1
        attempts.set(key, attempt)
        const code = b.flaky && attempt > 1 ? EDRAWMAX_CODE.OK : b.code
        if (code === EDRAWMAX_CODE.INTERNAL) return answer(code, 'internal error', null, 500)
        if (code !== EDRAWMAX_CODE.OK) return answer(code, `simulated failure ${code}`)
        const labels = labelsOf(parsed.data.prompt)
        const id = randomUUID()
        keep(`${id}.png`, { type: 'png', body: generatePng({ kind: 'image', size: 128, seed: calls.length }) })
        keep(`${id}.svg`, { type: 'svg', body: generateSvg({ labels, seed: calls.length }) })
        const origin = `${request.protocol}://${request.host}`
        const fileUrl = (name: string) => b.untrusted === 'host'
          ? `https://files.example.net/${name}`
          : b.untrusted === 'http' ? `http://diagrams.edrawmax.com/${name}` : `${origin}${EDRAWMAX_FILES_PATH}/${name}`
        const source = b.noSource ? {} : { [DIAGRAMS[diagram].sourceField]: sourceFor(diagram, labels) }
        return answer(code, '', { png_url: fileUrl(`${id}.png`), svg_url: fileUrl(`${id}.svg`), ...source })
      } finally {
        const left = (inFlight.get(user) ?? 1) - 1
        if (left > 0) inFlight.set(user, left)
        else inFlight.delete(user)
      }
    })
  }

  app.get<{ Params: { name: string } }>(`${EDRAWMAX_FILES_PATH}/:name`, async (request, reply) => {
    const file = files.get(request.params.name)
    if (!file) return reply.code(404).type('text/plain').send('no such file')
    return reply.type(file.type === 'png' ? 'image/png' : 'image/svg+xml').header('cache-control', 'public, max-age=3600').send(file.body)
  })

  app.setNotFoundHandler((_request, reply) => failure(reply, 404, 'not found'))
  app.setErrorHandler<FastifyError>((err, request, reply) => {
    const status = typeof err.statusCode === 'number' ? err.statusCode : 500
    if (status >= 500) {
      request.log.error({ err }, 'simulator error')
      return failure(reply, 500, 'internal error')
    }
    return failure(reply, 400, err.message)
  })
  return app
}

function failure (reply: FastifyReply, status: number, msg: string): FastifyReply {
  return reply.code(status).send({ code: status === 404 ? 404 : status >= 500 ? EDRAWMAX_CODE.INTERNAL : EDRAWMAX_CODE.BAD_PARAMETER, msg, data: null })
}
