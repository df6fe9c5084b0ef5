import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { ErrorSchema } from '../../src/errors.ts'
import { DeliveryListSchema, DeliverySchema } from '../../src/webhooks/view.ts'
import { principalOf } from '../../plugins/auth.ts'

const security = [{ bearerAuth: [] }]
const errors = { 401: ErrorSchema, 404: ErrorSchema, 429: ErrorSchema }
const TaskIdParamsSchema = z.object({ id: z.string().min(1).max(100) })
const DeliveryParamsSchema = TaskIdParamsSchema.extend({ deliveryId: z.string().min(1).max(200) })

/** The owner's view of the signed webhooks sent to the app's backend for a task. */
const deliveries: FastifyPluginAsyncZod = async (app) => {
  app.get('/tasks/:id/deliveries', {
    schema: {
      operationId: 'listTaskDeliveries',
      tags: ['tasks'],
      summary: 'The webhook messages of a task',
      description: 'One message per event and endpoint, in event order: its `webhook-id`, the endpoint host, attempts, the last answer and the next attempt.',
      security,
      params: TaskIdParamsSchema,
      response: { 200: DeliveryListSchema, ...errors }
    }
  }, async (request) => {
    // Ownership first: another owner's task is a 404, as everywhere.
    await app.tasks.get(principalOf(request).owner, request.params.id)
    return { items: await app.deliveries.list(request.params.id) }
  })

  app.post('/tasks/:id/deliveries/:deliveryId/redeliver', {
    schema: {
      operationId: 'redeliverTaskDelivery',
      tags: ['tasks'],
      summary: 'Send a webhook message again',
      description: 'Schedules a new round of attempts from now, with the same `webhook-id` (receivers that already processed it can tell).',
      security,
      params: DeliveryParamsSchema,
      response: { 202: DeliverySchema, ...errors }
    }
  }, async (request, reply) => {
    await app.tasks.get(principalOf(request).owner, request.params.id)
    const delivery = await app.deliveries.redeliver(request.params.id, request.params.deliveryId)
    request.log.info({ taskId: request.params.id, deliveryId: delivery.id }, 'webhook redelivery scheduled')
    return reply.code(202).send(delivery)
  })
}

export default deliveries
