import { describe, expect, it } from 'vitest'
import { TENCENT_DEFAULT_ENDPOINT, TencentEnvSchema, tencentConfig } from '../../../src/providers/tencent/config.ts'

const load = (env: Record<string, string>) => {
  const problems: string[] = []
  const config = tencentConfig(TencentEnvSchema.parse(env), problems)
  return { config, problems }
}

describe('TENCENT_* configuration', () => {
  it('without secrets: demo mode against the simulator, with documented defaults', () => {
    expect(load({})).toEqual({
      problems: [],
      config: { endpoint: TENCENT_DEFAULT_ENDPOINT, secretId: '', secretKey: '', outputBaseUrl: undefined, contentId: undefined, outputDir: '/bff', connectTimeoutMs: 5000, timeoutMs: 30_000, demo: true }
    })
  })

  it('with secrets: real mode, which needs the output base URL', () => {
    const secrets = { TENCENT_SECRET_ID: 'id', TENCENT_SECRET_KEY: 'key' }
    expect(load(secrets).problems).toEqual([expect.stringMatching(/^TENCENT_OUTPUT_BASE_URL: required/)])
    const { config, problems } = load({ ...secrets, TENCENT_OUTPUT_BASE_URL: 'https://cdn.example.com/music/', TENCENT_OUTPUT_DIR: '/jobs/' })
    expect(problems).toEqual([])
    expect(config).toMatchObject({ demo: false, outputBaseUrl: 'https://cdn.example.com/music', outputDir: '/jobs' })
  })

  it('wants both secrets or neither, and never echoes them', () => {
    const { problems } = load({ TENCENT_SECRET_KEY: 'very-secret-value' })
    expect(problems).toContain('TENCENT_SECRET_ID and TENCENT_SECRET_KEY must be set together')
    expect(problems.join(' ')).not.toContain('very-secret-value')
  })

  it('refuses bad values', () => {
    for (const env of [{ TENCENT_ENDPOINT: 'ftp://x' }, { TENCENT_OUTPUT_DIR: 'relative' }, { TENCENT_TIMEOUT_MS: '0' }]) {
      expect(TencentEnvSchema.safeParse(env).success, JSON.stringify(env)).toBe(false)
    }
  })
})
