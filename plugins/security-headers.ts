/**
 * Security headers, chosen per route when the route is registered and set with one hook:
 * - pages and files a browser renders (the docs, the demo page, media, anything unmatched) get
 *   helmet's full set (frame, opener, referrer policies, ...), without a Content-Security-Policy:
 *   the pages that serve HTML send their own (Swagger UI's staticCSP, the demo page's WEB_CSP);
 * - API answers (JSON under /v1 and /webhooks, the probes, metrics) get only what applies to a
 *   response no browser renders as a document: nosniff, HSTS and the cross-origin resource policy.
 *   Frame, opener or referrer policies mean nothing on JSON;
 * - routes with `config: { securityHeaders: false }` (the event streams, which write their own
 *   head) get none.
 * The headers are worked out once from helmet's options: @fastify/helmet ran helmet's middleware
 * on every request, in two hooks, building it anew each time (about 57 µs of CPU per request).
 * @see https://helmetjs.github.io/
 */
import type { OutgoingHttpHeaders } from 'node:http'
import fp from 'fastify-plugin'
import helmet, { type HelmetOptions } from 'helmet'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false: no security headers (a route that writes its own head); otherwise set by this plugin. */
    securityHeaders?: false | Readonly<Record<string, string>>
  }
}

const OPTIONS: HelmetOptions = {
  contentSecurityPolicy: false,
  // Frontends on other origins embed result files and read the API through CORS.
  crossOriginResourcePolicy: { policy: 'cross-origin' },
  strictTransportSecurity: { maxAge: 15_552_000, includeSubDomains: false }
}

const API_HEADERS = ['x-content-type-options', 'strict-transport-security', 'cross-origin-resource-policy']
const API_PREFIXES = ['/v1/', '/webhooks/', '/healthz', '/readyz', '/metrics', '/openapi.json']

/** The headers helmet's middleware sets with these options, read off a stand-in response. */
export function helmetHeaders (options: HelmetOptions): Record<string, string> {
  const headers: OutgoingHttpHeaders = {}
  const res = {
    setHeader: (name: string, value: string) => { headers[name.toLowerCase()] = value },
    removeHeader: (name: string) => { delete headers[name.toLowerCase()] }
  }
  helmet(options)({} as never, res as never, () => {})
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)]))
}

export default fp(async function securityHeaders (fastify) {
  const browser = Object.freeze(helmetHeaders(OPTIONS))
  const api = Object.freeze(Object.fromEntries(Object.entries(browser).filter(([name]) => API_HEADERS.includes(name))))

  fastify.addHook('onRoute', (route) => {
    if (route.config?.securityHeaders === false) return
    const isApi = API_PREFIXES.some((prefix) => route.url.startsWith(prefix))
    route.config = Object.assign(route.config ?? {}, { securityHeaders: isApi ? api : browser })
  })
  fastify.addHook('onRequest', function applySecurityHeaders (request, reply, done) {
    // Unmatched requests (404s) run without a route config of ours: the full set.
    const headers = request.routeOptions.config.securityHeaders
    if (headers !== false) reply.headers(headers ?? browser)
    done()
  })
}, { name: 'security-headers' })
