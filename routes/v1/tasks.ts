import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { ErrorSchema } from '../../src/errors.ts'
import { CAPABILITIES, pascalCase } from '../../src/tasks/capabilities/index.ts'
import { MetadataSchema, type Metadata } from '../../src/tasks/metadata.ts'
import { TaskSchema, TaskStatusSchema } from '../../src/tasks/model.ts'
import { principalOf } from '../../plugins/auth.ts'

const security = [{ bearerAuth: [] }]
const authErrors = { 401: ErrorSchema, 429: ErrorSchema }

const CreateHeadersSchema = z.object({
  'idempotency-key': z.string().min(1).max(255).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces').optional()
    .describe('Repeat a create safely: the same key with the same body answers the original task (24 h by default)'),
  'webhook-url': z.string().max(2048).optional()
    .describe('Also deliver every event of this task, signed per Standard Webhooks, to this URL; its host must be on WEBHOOK_ALLOW_HOSTS')
})

const TaskIdParamsSchema = z.object({ id: z.string().min(1).max(100) })
const names = CAPABILITIES.map((c) => c.name) as [string, ...string[]]

// Both stores write a cursor as base64url JSON [createdAt, id]; anything else is a client bug,
// so a 400 instead of quietly answering the first page again.
function isCursorShaped (cursor: string): boolean {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    return Array.isArray(value) && value.length === 2 && typeof value[1] === 'string' &&
      typeof value[0] === 'string' && Number.isFinite(Date.parse(value[0]))
  } catch {
    return false
  }
}

const ListQuerySchema = z.object({
  status: TaskStatusSchema.optional(),
  capability: z.enum(names).optional(),
  cursor: z.string().max(500).refine(isCursorShaped, 'is not a nextCursor from a previous page').optional().describe('nextCursor of the previous page'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  // Two plain parameters rather than metadata[key]=value: OpenAPI describes them without deepObject
  // styles, every client builds them with URLSearchParams, and the default query parser reads them.
  metadataKey: z.string().min(1).max(200).optional().describe('Only tasks whose metadata has this key set to `metadataValue` (give both or neither)'),
  metadataValue: z.string().max(2000).optional().describe('The value `metadataKey` must have, exactly')
}).refine((q) => (q.metadataKey === undefined) === (q.metadataValue === undefined), {
  message: 'metadataKey and metadataValue go together', path: ['metadataKey']
})
const TaskListSchema = z.object({
  items: z.array(TaskSchema),
  nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page')
}).meta({ id: 'TaskList' })

const tasks: FastifyPluginAsyncZod = async (app) => {
  // One route per capability, derived from its definition: no per-capability route code.
  for (const def of CAPABILITIES) {
    app.post(`/tasks/${def.name}`, {
      schema: {
        operationId: `create${pascalCase(def.name)}Task`,
        tags: ['tasks'],
        summary: def.summary,
        description: `${def.description}\n\nAnswers 202 with the task; follow it on \`GET /v1/tasks/{id}/events\`.`,
        security,
        headers: CreateHeadersSchema,
        // Metadata travels beside the capability's own fields and is taken off before they are sent upstream.
        body: def.input.extend({ metadata: MetadataSchema.optional() }).meta(def.input.meta() ?? {}),
        response: { 202: TaskSchema, 400: ErrorSchema, ...authErrors, 422: ErrorSchema, 502: ErrorSchema, 503: ErrorSchema, 504: ErrorSchema }
      },
      preHandler: app.limits.create
    }, async (request, reply) => {
      const { metadata, ...input } = request.body as Record<string, unknown> & { metadata?: Metadata }
      const { task, replayed } = await app.tasks.create(principalOf(request).owner, def, input, request.headers['idempotency-key'], request.headers['webhook-url'], metadata)
      request.log.info({ taskId: task.id, capability: def.name, replayed }, 'task accepted')
      if (replayed) reply.header('idempotent-replayed', 'true')
      return reply.code(202).send(task)
    })
  }

  app.get('/tasks', {
    schema: {
      operationId: 'listTasks',
      tags: ['tasks'],
      summary: "The caller's tasks, newest first",
      security,
      querystring: ListQuerySchema,
      response: { 200: TaskListSchema, 400: ErrorSchema, ...authErrors }
    }
  }, async (request) => {
    const { metadataKey, metadataValue, ...query } = request.query
    const metadata = metadataKey === undefined || metadataValue === undefined ? undefined : { key: metadataKey, value: metadataValue }
    return app.tasks.list({ owner: principalOf(request).owner, ...query, metadata })
  })

  app.get('/tasks/:id', {
    schema: {
      operationId: 'getTask',
      tags: ['tasks'],
      summary: 'One task',
      security,
      params: TaskIdParamsSchema,
      response: { 200: TaskSchema, 404: ErrorSchema, ...authErrors }
    }
  }, async (request) => app.tasks.get(principalOf(request).owner, request.params.id))

  app.post('/tasks/:id/cancel', {
    schema: {
      operationId: 'cancelTask',
      tags: ['tasks'],
      summary: 'Cancel an unfinished task',
      description: 'Moves the task to `canceled` at once (event `task.canceled`); a repeat answers the same task. ' +
        'No provider has a cancel call upstream, so the upstream job runs on and may still be charged.',
      security,
      params: TaskIdParamsSchema,
      response: { 200: TaskSchema, 404: ErrorSchema, 409: ErrorSchema, ...authErrors }
    }
  }, async (request) => {
    const task = await app.tasks.cancel(principalOf(request).owner, request.params.id)
    request.log.info({ taskId: task.id }, 'task canceled')
    return task
  })
}

export default tasks
