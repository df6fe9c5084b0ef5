import { describe, expect, it } from 'vitest'
import { edrawmaxConfig, EdrawmaxEnvSchema } from '../../../src/providers/edrawmax/config.ts'

const read = (env: Record<string, string>) => {
  const problems: string[] = []
  return { config: edrawmaxConfig(EdrawmaxEnvSchema.parse(env), problems), problems }
}

describe('EDRAWMAX_* configuration', () => {
  it('runs against the simulator until a base URL is set', () => {
    expect(read({}).config).toMatchObject({ demo: true, baseUrl: undefined, timeoutMs: 120_000, retryDelayMs: 1000, concurrency: 4 })
    expect(read({ EDRAWMAX_BASE_URL: 'https://api.edrawmax.cn/api/ai/' }).config).toMatchObject({ demo: false, baseUrl: 'https://api.edrawmax.cn/api/ai' })
  })

  it('refuses plain http except to loopback', () => {
    expect(read({ EDRAWMAX_BASE_URL: 'http://api.edrawmax.cn/api/ai' }).problems).toEqual([expect.stringMatching(/^EDRAWMAX_BASE_URL=.*must be https/)])
    expect(read({ EDRAWMAX_BASE_URL: 'http://127.0.0.1:4010/api/ai' }).problems).toEqual([])
    expect(() => EdrawmaxEnvSchema.parse({ EDRAWMAX_CONCURRENCY: '0' })).toThrow()
  })
})
