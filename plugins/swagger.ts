/**
 * Builds the OpenAPI 3.1 document from the routes' zod schemas, serves it at /openapi.json and
 * Swagger UI at /docs. Registered before any route: @fastify/swagger collects routes in onRoute.
 * @see https://github.com/fastify/fastify-swagger
 */
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import fp from 'fastify-plugin'
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod'
import { PACKAGE as pkg } from '../src/meta.ts'

export default fp(async function swaggerPlugin (fastify) {
  await fastify.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'ToMoviee BFF', version: pkg.version, description: pkg.description },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'A client API key (demo mode: dev-key)' } }
      },
      tags: [
        { name: 'tasks', description: 'Create and read generation tasks' },
        { name: 'events', description: 'Live task events over Server-Sent Events' },
        { name: 'webhooks', description: 'Called by the ToMoviee gateway, not by clients' },
        { name: 'health', description: 'Liveness and readiness' }
      ]
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject
  })
  await fastify.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { persistAuthorization: true, deepLinking: true }
  })
  fastify.get('/openapi.json', { schema: { hide: true }, config: { rateLimit: false } }, async () => fastify.swagger())
}, { name: 'swagger' })
