/**
 * The demo page: the static files in src/web/ (HTML, ES modules, CSS; no build step) at `/`, with
 * a strict Content-Security-Policy and `Cache-Control: no-cache` on these files only. Hidden from
 * the OpenAPI document. Uses @fastify/static; the page itself calls /v1 like any other client.
 * @see https://github.com/fastify/fastify-static
 */
import { join } from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyPluginAsync } from 'fastify'
import { PROJECT_ROOT } from '../src/meta.ts'

// From the project root, not this file: the built server runs from dist/routes/, the files stay in src/web/.
export const WEB_ROOT = join(PROJECT_ROOT, 'src', 'web')

// Generated files live on the gateway's (or the simulator's) host, so media and images may come from anywhere.
export const WEB_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' http: https:",
  "media-src 'self' http: https:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'"
].join('; ')

const web: FastifyPluginAsync = async (app) => {
  // Encapsulated: the API's answers keep helmet's headers without a CSP.
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('content-security-policy', WEB_CSP)
    // Revalidate every time (ETag/Last-Modified still answer 304), so a redeploy shows at once.
    reply.header('cache-control', 'no-cache')
  })
  await app.register(fastifyStatic, {
    root: WEB_ROOT,
    prefix: '/',
    // One route per file found at start-up: unknown paths still reach the JSON 404 handler.
    wildcard: false,
    cacheControl: false,
    decorateReply: false,
    schemaHide: true
  })
}

export default web
