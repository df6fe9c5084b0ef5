/**
 * Builds the OpenAPI 3.1 document from the routes' zod schemas, serves it at /openapi.json and
 * Swagger UI at /docs. Registered before any route: @fastify/swagger collects routes in onRoute.
 * @see https://github.com/fastify/fastify-swagger
 */
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import fp from 'fastify-plugin'
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod'
import { finishDocument } from '../src/api-doc/finish.ts'
import { pruneUnusedSchemas } from '../src/api-doc/prune.ts'
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
        { name: 'health', description: 'Liveness and readiness' }
      ]
    },
    transform: jsonSchemaTransform,
    transformObject: (doc) => pruneUnusedSchemas(finishDocument(jsonSchemaTransformObject(doc), { license: { name: 'MIT', identifier: 'MIT' } }))
  })
  await fastify.register(swaggerUi, {
    routePrefix: '/docs',
    // A CSP with hashes of Swagger UI's own inline code; nothing else may run on the page.
    staticCSP: true,
    // Swagger UI sets element styles from script, so inline styles (never inline scripts) are allowed;
    // and no upgrade-insecure-requests, which would break the docs of a BFF served over plain http.
    transformStaticCSP: (header) => header
      .replace(/style-src ([^;]*)/, (_m, sources: string) => `style-src ${sources.trim()} 'unsafe-inline'`)
      .replace(/\s*upgrade-insecure-requests;?/, ''),
    uiConfig: { persistAuthorization: true, deepLinking: true }
  })
  fastify.get('/openapi.json', { schema: { hide: true }, config: { rateLimit: false } }, async () => fastify.swagger())
}, { name: 'swagger' })
