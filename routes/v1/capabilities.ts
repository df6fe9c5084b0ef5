import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { ErrorSchema } from '../../src/errors.ts'
import { CapabilitySchema, describeCapability } from '../../src/tasks/capabilities/describe.ts'
import { CAPABILITIES } from '../../src/tasks/capabilities/index.ts'

const CapabilityListSchema = z.object({ items: z.array(CapabilitySchema) }).meta({ id: 'CapabilityList' })

const capabilities: FastifyPluginAsyncZod = async (app) => {
  // Computed once: the definitions do not change while the process runs.
  const list = { items: CAPABILITIES.map(describeCapability) }

  app.get('/capabilities', {
    schema: {
      operationId: 'listCapabilities',
      tags: ['tasks'],
      summary: 'Every capability, with the JSON Schema of its request body',
      security: [{ bearerAuth: [] }],
      response: { 200: CapabilityListSchema, 401: ErrorSchema, 429: ErrorSchema }
    }
  }, async () => list)
}

export default capabilities
