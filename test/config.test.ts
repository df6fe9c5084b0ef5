import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../src/config.ts'

describe('loadConfig', () => {
  it('runs in demo mode with safe defaults when nothing is set', () => {
    const c = loadConfig({})
    expect(c.demo).toBe(true)
    expect(c.port).toBe(3000)
    expect(c.host).toBe('127.0.0.1')
    expect(c.publicUrl).toBe('http://127.0.0.1:3000')
    expect(c.tomoviee.baseUrl).toBe('https://openapi.wondershare.cc')
    expect(c.databasePath).toBe('./data/bff.sqlite')
    expect(c.apiKeys).toEqual([{ owner: 'demo', key: 'dev-key' }])
    expect(c.tomoviee.simulator.port).toBe(4010)
    expect(c.sse.heartbeatMs).toBe(15_000)
  })

  it('coerces numbers, trims trailing slashes and treats empty variables as unset', () => {
    const c = loadConfig({ PORT: '8080', PUBLIC_URL: 'https://bff.example.com/', TOMOVIEE_APP_KEY: '', LOG_LEVEL: 'debug', TRUST_PROXY: '1' })
    expect(c.port).toBe(8080)
    expect(c.publicUrl).toBe('https://bff.example.com')
    expect(c.demo).toBe(true)
    expect(c.logLevel).toBe('debug')
    expect(c.trustProxy).toBe(1)
  })

  it('takes TRUST_PROXY as a hop count or addresses, never as "trust everything"', () => {
    expect(loadConfig({}).trustProxy).toBe(false)
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false)
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2)
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 192.168.1.7,::1' }).trustProxy).toEqual(['10.0.0.0/8', '192.168.1.7', '::1'])
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY="true": "true" would believe every X-Forwarded-For entry/)
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/33' })).toThrow(/TRUST_PROXY/)
    expect(() => loadConfig({ TRUST_PROXY: 'proxy.internal' })).toThrow(/TRUST_PROXY/)
  })

  it('keeps the body deadline no shorter than the headers deadline', () => {
    expect(() => loadConfig({ HEADERS_TIMEOUT_MS: '5000', BODY_TIMEOUT_MS: '1000' })).toThrow(/BODY_TIMEOUT_MS/)
  })

  it('parses API_KEYS owner:key pairs', () => {
    const c = loadConfig({ API_KEYS: 'alice:alice-key-123, bob:bob-key-4567' })
    expect(c.apiKeys).toEqual([{ owner: 'alice', key: 'alice-key-123' }, { owner: 'bob', key: 'bob-key-4567' }])
  })

  it('leaves demo mode with real credentials and requires API_KEYS then', () => {
    expect(() => loadConfig({ TOMOVIEE_APP_KEY: 'k', TOMOVIEE_APP_SECRET: 's' })).toThrow(/API_KEYS \(or JWT_SECRET \/ JWT_JWKS_URL\): required/)
    const c = loadConfig({ TOMOVIEE_APP_KEY: 'k', TOMOVIEE_APP_SECRET: 's', API_KEYS: 'web:web-key-123' })
    expect(c.demo).toBe(false)
    expect(c.tomoviee).toMatchObject({ appKey: 'k', appSecret: 's' })
    expect(c.apiKeys).toEqual([{ owner: 'web', key: 'web-key-123' }])
  })

  it('names every bad variable in one error, without echoing secrets', () => {
    let error: unknown
    try {
      loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', TOMOVIEE_BASE_URL: 'not a url', API_KEYS: 'nocolon-supersecret' })
    } catch (err) { error = err }
    expect(error).toBeInstanceOf(ConfigError)
    const e = error as ConfigError
    expect(e.problems.map((p) => p.split(/[=:]/)[0])).toEqual(expect.arrayContaining(['PORT', 'LOG_LEVEL', 'TOMOVIEE_BASE_URL', 'API_KEYS']))
    expect(e.message).not.toContain('supersecret')
    expect(e.problems).toContainEqual(expect.stringMatching(/^PORT="eighty": /))
  })

  it('never runs demo mode with NODE_ENV=production: missing credentials refuse the start', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/TOMOVIEE_APP_KEY, TOMOVIEE_APP_SECRET and API_KEYS \(or JWT_SECRET \/ JWT_JWKS_URL\): required with NODE_ENV=production/)
    expect(() => loadConfig({ NODE_ENV: 'production', DEMO: 'true' })).toThrow(/DEMO=true: demo mode is never allowed with NODE_ENV=production/)
    expect(() => loadConfig({ NODE_ENV: 'production', TOMOVIEE_APP_KEY: 'k', TOMOVIEE_APP_SECRET: 's' })).toThrow(/API_KEYS \(or JWT_SECRET \/ JWT_JWKS_URL\): required/)
    const c = loadConfig({ NODE_ENV: 'production', TOMOVIEE_APP_KEY: 'k', TOMOVIEE_APP_SECRET: 's', API_KEYS: 'web:web-key-123' })
    expect(c.demo).toBe(false)
    expect(c.apiKeys).toEqual([{ owner: 'web', key: 'web-key-123' }])
  })

  it('runs demo mode when asked, and not against real credentials', () => {
    expect(loadConfig({ DEMO: 'true' }).demo).toBe(true)
    expect(() => loadConfig({ DEMO: 'false' })).toThrow(/required with DEMO=false/)
    expect(() => loadConfig({ DEMO: 'true', TOMOVIEE_APP_KEY: 'k', TOMOVIEE_APP_SECRET: 's', API_KEYS: 'web:web-key-123' })).toThrow(/DEMO=true: unset it/)
  })

  it('reads the simulator\'s default behaviour from markers', () => {
    expect(loadConfig({ SIMULATOR_BEHAVIOUR: '#fail #double-callback' }).tomoviee.simulator.behaviour).toMatchObject({ outcome: 'fail', doubleCallback: true })
    expect(() => loadConfig({ SIMULATOR_BEHAVIOUR: 'fail please' })).toThrow(/SIMULATOR_BEHAVIOUR/)
  })

  it('requires the app key and secret together', () => {
    expect(() => loadConfig({ TOMOVIEE_APP_KEY: 'k', API_KEYS: 'web:web-key-123' })).toThrow(/must be set together/)
  })
})
