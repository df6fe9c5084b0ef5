import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { principalOf } from '../../plugins/auth.ts'
import { ErrorSchema } from '../../src/errors.ts'

const StreamTokenRequestSchema = z.strictObject({
  taskId: z.string().min(1).max(100).optional().describe('Limit the token to this task\'s stream; omit for GET /v1/events')
}).meta({ id: 'StreamTokenRequest' })

const StreamTokenSchema = z.object({
  token: z.string().describe('Pass as ?token= on the SSE routes; accepted nowhere else'),
  expiresAt: z.iso.datetime()
}).meta({ id: 'StreamToken' })

const streamTokens: FastifyPluginAsyncZod = async (app) => {
  app.post('/stream-tokens', {
    schema: {
      operationId: 'createStreamToken',
      tags: ['events'],
      summary: 'A short-lived token for EventSource, which cannot send headers',
      security: [{ bearerAuth: [] }],
      body: StreamTokenRequestSchema,
      response: { 201: StreamTokenSchema, 400: ErrorSchema, 401: ErrorSchema, 404: ErrorSchema, 429: ErrorSchema }
    },
    preHandler: app.limits.streamToken
  }, async (request, reply) => {
    const { owner } = principalOf(request)
    // A token for someone else's task would only fail later; refuse it now, as a missing task.
    if (request.body.taskId !== undefined) await app.tasks.get(owner, request.body.taskId)
    return reply.code(201).send(await app.streamTokens.issue(owner, request.body.taskId))
  })
}

export default streamTokens
