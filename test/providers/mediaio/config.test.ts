import { describe, expect, it } from 'vitest'
import { mediaioConfig, MediaioEnvSchema } from '../../../src/providers/mediaio/config.ts'

const read = (env: Record<string, string>) => {
  const problems: string[] = []
  return { config: mediaioConfig(MediaioEnvSchema.parse(env), problems), problems }
}

describe('Media.io configuration', () => {
  it('runs against the simulator without a key, with the documented defaults', () => {
    expect(read({})).toEqual({
      config: { baseUrl: 'https://openapi.media.io', apiKey: '', connectTimeoutMs: 5000, timeoutMs: 30_000, poll: { ratePerSec: 5, burst: 10, concurrency: 8 }, demo: true },
      problems: []
    })
  })

  it('reads a key and a poll budget', () => {
    const { config, problems } = read({ MEDIAIO_API_KEY: ' k ', MEDIAIO_POLL_RATE_PER_SEC: '2.5', MEDIAIO_POLL_BURST: '3', MEDIAIO_POLL_CONCURRENCY: '4' })
    expect(problems).toEqual([])
    expect(config).toMatchObject({ apiKey: 'k', demo: false, poll: { ratePerSec: 2.5, burst: 3, concurrency: 4 } })
  })

  it('refuses a key over plain http except to a loopback simulator', () => {
    expect(read({ MEDIAIO_API_KEY: 'k', MEDIAIO_BASE_URL: 'http://openapi.media.io' }).problems).toHaveLength(1)
    expect(read({ MEDIAIO_API_KEY: 'k', MEDIAIO_BASE_URL: 'http://127.0.0.1:4010/' }).problems).toEqual([])
    expect(() => MediaioEnvSchema.parse({ MEDIAIO_POLL_RATE_PER_SEC: '0' })).toThrow()
  })
})
