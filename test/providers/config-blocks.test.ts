import { describe, expect, it } from 'vitest'
import { ConfigError, ConfigSchema, loadConfig } from '../../src/config.ts'
import { PROVIDER_CONFIG_BLOCKS } from '../../src/providers/config-blocks.ts'

describe('provider config blocks', () => {
  it('merge every block\'s variables into the one config schema', () => {
    for (const block of PROVIDER_CONFIG_BLOCKS) {
      for (const name of Object.keys(block.env.shape)) expect(Object.keys(ConfigSchema.shape), `${block.key}: ${name}`).toContain(name)
    }
  })

  it('read each block into its Config field, from the one environment', () => {
    const config = loadConfig({ MEDIAIO_API_KEY: 'k-123', MEDIAIO_BASE_URL: 'http://127.0.0.1:9/', EDRAWMAX_CONCURRENCY: '3' }) as unknown as Record<string, unknown>
    for (const block of PROVIDER_CONFIG_BLOCKS) expect(config[block.key], block.key).toBeTypeOf('object')
    expect(config.mediaio).toMatchObject({ baseUrl: 'http://127.0.0.1:9', apiKey: 'k-123', demo: false })
  })

  it('report a block\'s problems with the rest of the config\'s', () => {
    const load = (): unknown => loadConfig({ MEDIAIO_API_KEY: 'k-123', MEDIAIO_BASE_URL: 'http://media.example.com', BODY_TIMEOUT_MS: '1', HEADERS_TIMEOUT_MS: '2' })
    expect(load).toThrow(ConfigError)
    expect(load).toThrow(/MEDIAIO_BASE_URL[\s\S]*BODY_TIMEOUT_MS|BODY_TIMEOUT_MS[\s\S]*MEDIAIO_BASE_URL/)
  })
})
