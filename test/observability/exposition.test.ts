import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { bearer, testConfig } from '../helper.ts'

const METRICS_TOKEN = 'metrics-token-for-tests'
let app: FastifyInstance
let text: string
beforeAll(async () => {
  app = await buildApp({ config: testConfig({ GIT_COMMIT_SHA: 'abc1234', METRICS_TOKEN }), logger: false })
  await app.inject({ url: '/v1/tasks/t-123', headers: bearer() })
  await app.inject({ url: '/v1/tasks/t-456', headers: bearer() })
  await app.inject({ url: '/no/such/route' })
  await app.inject({ method: 'POST', url: '/v1/tasks/text-to-music', headers: bearer(), payload: { prompt: 'x', durration: 3 } })
  text = (await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).body
})
afterAll(async () => { await app.close() })

interface Family { name: string, type: string, help: string | undefined, samples: string[] }

function families (exposition: string): Family[] {
  const out = new Map<string, Family>()
  const family = (name: string): Family => out.get(name) ?? out.set(name, { name, type: 'untyped', help: undefined, samples: [] }).get(name)!
  for (const line of exposition.split('\n')) {
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line)
    if (meta) {
      if (meta[1] === 'HELP') family(meta[2]!).help = meta[3]
      else family(meta[2]!).type = meta[3]!
    } else if (line && !line.startsWith('#')) {
      const name = /^[^{ ]+/.exec(line)![0]
      const base = [...out.keys()].find((f) => name === f || (name.startsWith(`${f}_`) && /_(bucket|sum|count)$/.test(name))) ?? name
      family(base).samples.push(line)
    }
  }
  return [...out.values()]
}

describe('the /metrics exposition', () => {
  // The naming rules `promtool check metrics` applies (promtool itself is not installed here).
  it('passes promtool\'s lint rules', () => {
    const found = families(text)
    expect(found.length).toBeGreaterThan(10)
    for (const f of found) {
      expect(f.name, f.name).toMatch(/^[a-z_:][a-z0-9_:]*$/)
      expect(f.help, `${f.name} has no HELP`).toBeTruthy()
      if (f.type === 'counter') expect(f.name, 'counters end in _total').toMatch(/_total$/)
      else expect(f.name, `a ${f.type} must not end in _total`).not.toMatch(/_total$/)
      if (f.type !== 'counter') expect(f.name, 'non-counters do not take counter suffixes').not.toMatch(/_(count|sum|bucket)$/)
      expect(f.name, 'units are base units').not.toMatch(/_(milliseconds|microseconds|kilobytes|megabytes)(_|$)/)
    }
  })

  it('counts requests by route pattern, method and status, never by raw URL', () => {
    expect(text).toContain('bff_http_requests_total{route="/v1/tasks/:id",method="GET",status="404"} 2')
    expect(text).toContain('bff_http_requests_total{route="unmatched",method="GET",status="404"} 1')
    expect(text).not.toContain('t-123')
    expect(text).toMatch(/bff_http_request_duration_seconds_bucket\{le="0\.001",route="\/v1\/tasks\/:id",method="GET",status="404"\} \d/)
  })

  it('counts refusals by code and says which build runs', () => {
    expect(text).toContain('bff_refusals_total{code="BFF_ERR_TASK_NOT_FOUND"} 2')
    expect(text).toContain('bff_refusals_total{code="BFF_ERR_NOT_FOUND"} 1')
    expect(text).toContain('bff_refusals_total{code="BFF_ERR_VALIDATION"} 1')
    expect(text).toMatch(/bff_build_info\{version="0\.1\.0",commit="abc1234",node="v\d+\.\d+\.\d+"\} 1/)
  })
})
