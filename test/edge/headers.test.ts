import { Writable } from 'node:stream'
import { Redis } from 'ioredis'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { createRedisLeases } from '../../src/coordination/lease.ts'
import { loggerOptions } from '../../src/logger.ts'
import { ALICE, bearer, createTask, startStack, type Stack } from '../helper.ts'
import { dropPrefix, REDIS_URL, redisAvailable, testPrefix } from '../redis-helper.ts'
import { openSse } from '../sse-client.ts'

const redisUp = await redisAvailable()
let stack: Stack | undefined
let prefix: string | undefined
afterEach(async () => {
  await stack?.close()
  stack = undefined
  if (prefix) await dropPrefix(prefix)
  prefix = undefined
})

describe('request ids', () => {
  it('keeps a safe X-Request-Id and replaces any other with a generated one', async () => {
    const lines: string[] = []
    const sink = new Writable({ write (chunk: Buffer, _enc, done) { lines.push(chunk.toString('utf8')); done() } })
    stack = await startStack({ logger: pino(loggerOptions({ logLevel: 'info' }), sink) })
    const ids = (): string[] => lines.map((l) => (JSON.parse(l) as { reqId?: string }).reqId ?? '').filter(Boolean)
    await (await fetch(`${stack.url}/healthz`, { headers: { 'x-request-id': 'trace-42.a:b_c' } })).arrayBuffer()
    expect(ids()).toContain('trace-42.a:b_c')
    for (const forged of ['"}{"level":60,"msg":"forged', 'a b', 'x'.repeat(129), '<script>']) {
      lines.length = 0
      await (await fetch(`${stack.url}/healthz`, { headers: { 'x-request-id': forged } })).arrayBuffer()
      expect(ids().length).toBeGreaterThan(0)
      for (const id of ids()) expect(id).toMatch(/^[0-9a-f-]{36}$/)
    }
  })
})

describe('Cache-Control', () => {
  it('is no-store on authenticated JSON, errors included, and on event streams', async () => {
    stack = await startStack()
    const task = await createTask(stack, { prompt: 'x #hang' })
    for (const path of ['/v1/tasks', `/v1/tasks/${task.id}`, '/v1/tasks/no-such-task', '/v1/capabilities']) {
      const res = await fetch(`${stack.url}${path}`, { headers: bearer() })
      await res.arrayBuffer()
      expect(res.headers.get('cache-control'), path).toBe('no-store')
    }
    const sse = await openSse(`${stack.url}/v1/events`, bearer())
    expect(sse.headers.get('cache-control')).toBe('no-store')
    sse.close()
  })
})

describe.skipIf(!redisUp)('Redis key names', () => {
  it('all live under the prefix\'s hash tag, rate limits and leases included', async () => {
    prefix = `${testPrefix()}:`
    stack = await startStack({ env: { REDIS_URL, REDIS_PREFIX: prefix, RATE_LIMIT_AUTH_FAILURES_MAX: '100' } })
    await createTask(stack, { prompt: 'x #hang' })
    await (await fetch(`${stack.url}/v1/tasks`, { headers: { authorization: 'Bearer wrong-key-123' } })).arrayBuffer()
    const sse = await openSse(`${stack.url}/v1/events`, bearer(ALICE))
    const conn = new Redis(REDIS_URL)
    try {
      await createRedisLeases(conn, prefix).acquire('reconcile:some-task', 60_000)
      const keys: string[] = []
      let cursor = '0'
      do {
        const [next, batch] = await conn.scan(cursor, 'MATCH', `*${prefix.slice(0, -1)}*`, 'COUNT', 1000)
        keys.push(...batch)
        cursor = next
      } while (cursor !== '0')
      const tag = `{${prefix.slice(0, -1)}}:`
      expect(keys.some((k) => k.startsWith(`${tag}rate:`))).toBe(true)
      expect(keys.some((k) => k.startsWith(`${tag}lease:`))).toBe(true)
      expect(keys.some((k) => k.startsWith(`${tag}streams:`))).toBe(true)
      for (const k of keys) {
        expect(k.startsWith(tag), k).toBe(true)
        expect(k, k).not.toContain('undefined')
      }
    } finally {
      sse.close()
      conn.disconnect()
    }
  })
})
