import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { BffError, ErrorSchema } from '../src/errors.ts'
import { PROVIDERS } from '../src/providers/registry.ts'
import type { TaskRecord } from '../src/tasks/model.ts'

declare module 'fastify' {
  interface FastifyRequest { callbackTask: TaskRecord | null }
}

const CallbackQuerySchema = z.object({
  task: z.string().max(100).optional().describe('Our task id'),
  token: z.string().max(200).optional().describe('The per-task callback token')
})
const AckSchema = z.object({ received: z.literal(true), changed: z.boolean().describe('Whether the callback moved the task forward') }).meta({ id: 'CallbackAck' })

const webhooks: FastifyPluginAsyncZod = async (app) => {
  // Raw bytes, parsed here after the token check, with this route's own limit; JSON only.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: app.config.webhookBodyLimit }, (_req, body, done) => done(null, body))
  app.decorateRequest('callbackTask', null)

  // One callback route per provider that calls back; the same token, rules and limits on each.
  for (const provider of PROVIDERS.filter((p) => p.delivery === 'callback')) {
    app.post(`/${provider.id}`, {
      schema: {
        operationId: `${provider.id.replace(/-(\w)/g, (_m, c: string) => c.toUpperCase())}Callback`,
        tags: ['webhooks'],
        summary: `Completion callback from the ${provider.title}`,
        description: 'The URL, with `task` and `token`, is set by the BFF on every upstream task. Not for clients.',
        querystring: CallbackQuerySchema,
        response: { 200: AckSchema, 400: ErrorSchema, 401: ErrorSchema, 413: ErrorSchema, 415: ErrorSchema, 502: ErrorSchema, 503: ErrorSchema, 504: ErrorSchema }
      },
      // The per-task token is the limit: forged calls stop at the first hook.
      config: { rateLimit: false },
      async onRequest (request) {
        const query = request.query as { task?: unknown, token?: unknown }
        const task = await app.tasks.authorizeCallback(
          typeof query.task === 'string' ? query.task : undefined,
          typeof query.token === 'string' ? query.token : undefined
        )
        if (!task) throw new BffError('BFF_ERR_WEBHOOK_UNAUTHORIZED')
        request.callbackTask = task
      }
    }, async (request) => {
      const { changed } = await app.tasks.applyCallback(request.callbackTask!, provider.id, parseJson(request.body))
      return { received: true as const, changed }
    })
  }
}

function parseJson (body: unknown): unknown {
  if (!Buffer.isBuffer(body) || body.length === 0) throw new BffError('BFF_ERR_WEBHOOK_INVALID', 'The callback body is empty')
  try {
    return JSON.parse(body.toString('utf8'))
  } catch {
    throw new BffError('BFF_ERR_WEBHOOK_INVALID', 'The callback body is not JSON')
  }
}

export default webhooks
