import { describe, expect, it } from 'vitest'
import { ConfigError, ConfigSchema, loadConfig } from '../../src/config.ts'
import { CoreConfigSchema } from '../../src/config-schema.ts'
import { PROVIDER_CONFIG_BLOCKS } from '../../src/providers/config-blocks.ts'
import { PROVIDERS } from '../../src/providers/registry.ts'

describe('provider config blocks', () => {
  it('merge every block\'s variables into the one config schema', () => {
    for (const block of PROVIDER_CONFIG_BLOCKS) {
      for (const name of Object.keys(block.env.shape)) expect(Object.keys(ConfigSchema.shape), `${block.key}: ${name}`).toContain(name)
    }
  })

  it('come from each registry line, keyed by the provider id, each variable declared once', () => {
    expect(PROVIDER_CONFIG_BLOCKS.map((b) => b.key)).toEqual(PROVIDERS.map((p) => p.id))
    const owners = new Map<string, string>(Object.keys(CoreConfigSchema.shape).map((name) => [name, 'core']))
    for (const block of PROVIDER_CONFIG_BLOCKS) {
      for (const name of Object.keys(block.env.shape)) {
        // The merge is last-wins, so a clash would silently drop one declaration.
        expect(owners.get(name), `${name} in ${block.key}`).toBeUndefined()
        owners.set(name, block.key)
      }
      for (const name of block.credentials ?? []) expect(Object.keys(block.env.shape), `${block.key} credential`).toContain(name)
    }
  })

  it('refuse DEMO=true beside any provider\'s credentials, naming them', () => {
    expect(() => loadConfig({ DEMO: 'true', MEDIAIO_API_KEY: 'k-123' })).toThrow(/DEMO=true: unset it to use the Media\.io generation API credentials \(MEDIAIO_API_KEY\)/)
    expect(() => loadConfig({ DEMO: 'true', TENCENT_SECRET_ID: 'id', TENCENT_SECRET_KEY: 'key', TENCENT_OUTPUT_BASE_URL: 'https://cdn.example.com' })).toThrow(/DEMO=true: unset it to use the Tencent/)
    expect(loadConfig({ MEDIAIO_API_KEY: 'k-123' }).demo).toBe(true)
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
