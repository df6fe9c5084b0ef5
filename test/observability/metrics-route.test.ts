import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { testConfig } from '../helper.ts'

const TOKEN = 'metrics-token-0123456789'

const apps: FastifyInstance[] = []
afterEach(async () => { await Promise.all(apps.splice(0).map((app) => app.close())) })

async function build (env: Record<string, string> = {}): Promise<FastifyInstance> {
  const app = await buildApp({ config: testConfig({ METRICS_TOKEN: TOKEN, ...env }), logger: false })
  apps.push(app)
  return app
}

const scrape = async (app: FastifyInstance) => app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })

describe('GET /metrics', () => {
  it('serves the Prometheus text format with the BFF and process metrics', async () => {
    const app = await build()
    const res = await scrape(app)
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^text\/plain/)
    expect(res.body).toContain('bff_sse_connections 0')
    expect(res.body).toContain('# TYPE bff_tasks_created_total counter')
    expect(res.body).toContain('# TYPE bff_upstream_request_duration_seconds histogram')
    expect(res.body).toContain('process_cpu_user_seconds_total')
    expect(res.body).toContain('nodejs_eventloop_lag_seconds')
  })

  it('reports what the decorated observer is told', async () => {
    const app = await build()
    app.metrics.observer.callback('accepted')
    const res = await scrape(app)
    expect(res.body).toContain('bff_callbacks_total{outcome="accepted"} 1')
  })

  it('is not in the OpenAPI document', async () => {
    const app = await build()
    const res = await app.inject({ method: 'GET', url: '/openapi.json' })
    expect(res.statusCode).toBe(200)
    expect(Object.keys((res.json() as { paths: Record<string, unknown> }).paths)).not.toContain('/metrics')
  })

  it('requires the bearer token when METRICS_TOKEN is set', async () => {
    const app = await build({ METRICS_TOKEN: TOKEN })
    const missing = await app.inject({ method: 'GET', url: '/metrics' })
    expect(missing.statusCode).toBe(401)
    expect(missing.json()).toMatchObject({ statusCode: 401, code: 'BFF_ERR_AUTH_MISSING' })
    expect(missing.body).not.toContain('bff_')

    const malformed = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: TOKEN } })
    expect(malformed.json()).toMatchObject({ code: 'BFF_ERR_AUTH_MISSING' })

    for (const wrong of [`${TOKEN}x`, TOKEN.slice(0, -1), 'short']) {
      const res = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${wrong}` } })
      expect(res.statusCode).toBe(401)
      expect(res.json()).toMatchObject({ code: 'BFF_ERR_AUTH_INVALID' })
    }

    const ok = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })
    expect(ok.statusCode).toBe(200)
    expect(ok.body).toContain('bff_sse_connections')
  })

  it('does not accept an API key in place of the metrics token', async () => {
    const app = await build({ METRICS_TOKEN: TOKEN })
    const res = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer alice-key-0001' } })
    expect(res.statusCode).toBe(401)
  })

  it('works for two apps in one process, each with its own registry', async () => {
    const a = await build()
    const b = await build()
    expect(a.metrics.registry).not.toBe(b.metrics.registry)
    a.metrics.observer.taskCreated('video-scoring')
    const resA = await scrape(a)
    const resB = await scrape(b)
    expect(resA.statusCode).toBe(200)
    expect(resB.statusCode).toBe(200)
    expect(resA.body).toContain('bff_tasks_created_total{capability="video-scoring"} 1')
    expect(resB.body).not.toContain('capability="video-scoring"')
    expect(resB.body).toContain('bff_sse_connections 0')
  })
})

describe('GET /metrics without METRICS_TOKEN', () => {
  it('is not served with real credentials, and is open in demo mode', async () => {
    const real = await buildApp({ config: testConfig(), logger: false })
    apps.push(real)
    const refused = await real.inject({ method: 'GET', url: '/metrics' })
    expect(refused.statusCode).toBe(404)
    expect(refused.json()).toMatchObject({ code: 'BFF_ERR_NOT_FOUND' })
    expect(refused.body).not.toContain('bff_')
    const demo = await buildApp({ config: testConfig({ TOMOVIEE_APP_KEY: '', TOMOVIEE_APP_SECRET: '' }), logger: false })
    apps.push(demo)
    expect((await demo.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200)
  })
})

describe('METRICS_TOKEN', () => {
  it('must be at least 16 characters', () => {
    expect(() => testConfig({ METRICS_TOKEN: 'too-short' })).toThrow(/METRICS_TOKEN/)
    expect(testConfig({ METRICS_TOKEN: TOKEN }).metricsToken).toBe(TOKEN)
    expect(testConfig().metricsToken).toBeUndefined()
  })
})
