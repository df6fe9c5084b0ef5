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

type OpenApiDoc = ReturnType<typeof jsonSchemaTransformObject>
type Components = { schemas?: Record<string, unknown> }

function pruneUnusedSchemas (doc: OpenApiDoc): OpenApiDoc {
  const components = (doc as { components?: Components }).components
  const schemas = components?.schemas
  if (!schemas) return doc
  const used = new Set<string>()
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) { node.forEach(visit); return }
    if (node === null || typeof node !== 'object') return
    for (const [key, value] of Object.entries(node)) {
      const name = key === '$ref' && typeof value === 'string' ? value.replace('#/components/schemas/', '') : undefined
      if (name !== undefined && !used.has(name)) { used.add(name); visit(schemas[name]) }
      visit(value)
    }
  }
  visit({ ...doc, components: { ...components, schemas: {} } })
  const kept = Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name)))
  return { ...doc, components: { ...components, schemas: kept } } as OpenApiDoc
}

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
    // The zod registry yields an input and an output variant of every component; keep the used ones.
    transformObject: (doc) => pruneUnusedSchemas(jsonSchemaTransformObject(doc))
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
