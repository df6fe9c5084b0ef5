import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WEB_CSP, WEB_ROOT } from '../../routes/web.ts'
import { buildApp } from '../../src/app.ts'
import { bearer, testConfig } from '../helper.ts'

describe('the demo page route', () => {
  let app: FastifyInstance

  beforeAll(async () => {
    app = await buildApp({ config: testConfig(), logger: false })
    await app.ready()
  })
  afterAll(async () => { await app.close() })

  it('serves the page and its files with a strict CSP and no-cache', async () => {
    for (const [url, type] of [['/', 'text/html'], ['/app.js', 'javascript'], ['/form.js', 'javascript'], ['/style.css', 'text/css'], ['/favicon.svg', 'image/svg+xml']] as const) {
      const res = await app.inject({ url })
      expect(res.statusCode, url).toBe(200)
      expect(res.headers['content-type'], url).toContain(type)
      expect(res.headers['content-security-policy'], url).toBe(WEB_CSP)
      expect(res.headers['cache-control'], url).toBe('no-cache')
    }
    expect(WEB_CSP).toContain("default-src 'self'")
    expect(WEB_CSP).toContain("frame-ancestors 'none'")
    expect(WEB_CSP).not.toContain('unsafe-')
  })

  it('serves every module the page imports, as JavaScript under the same headers', async () => {
    // Followed from app.js by its static imports: a module split off must be served like the rest.
    const seen = new Set<string>()
    const pending = ['app.js']
    while (pending.length > 0) {
      const file = pending.pop()!
      if (seen.has(file)) continue
      seen.add(file)
      const source = readFileSync(join(WEB_ROOT, file), 'utf8')
      for (const m of source.matchAll(/^import [^'\n]*'\.\/([\w-]+\.js)'/gm)) pending.push(m[1]!)
    }
    expect(seen.size).toBeGreaterThan(5)
    for (const file of seen) {
      const res = await app.inject({ url: `/${file}` })
      expect(res.statusCode, file).toBe(200)
      expect(res.headers['content-type'], file).toContain('javascript')
      expect(res.headers['content-security-policy'], file).toBe(WEB_CSP)
      expect(res.headers['cache-control'], file).toBe('no-cache')
    }
  })

  it('leaves the API and unknown paths as they were', async () => {
    const api = await app.inject({ url: '/v1/capabilities', headers: bearer() })
    expect(api.statusCode).toBe(200)
    expect(api.headers['content-security-policy']).toBeUndefined()
    const missing = await app.inject({ url: '/nope.js' })
    expect(missing.statusCode).toBe(404)
    expect(missing.json()).toMatchObject({ code: 'BFF_ERR_NOT_FOUND' })
  })

  it('is not in the OpenAPI document', () => {
    const paths = Object.keys((app.swagger() as { paths?: Record<string, unknown> }).paths ?? {})
    expect(paths.some((p) => !p.startsWith('/v1/') && !p.startsWith('/webhooks/') && !['/healthz', '/readyz', '/metrics'].includes(p)), paths.join(', ')).toBe(false)
  })
})
