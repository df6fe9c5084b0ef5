import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { inspect } from 'node:util'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loggerOptions } from '../../../src/logger.ts'
import { createTencentProvider } from '../../../src/providers/tencent/client.ts'
import type { Provider } from '../../../src/providers/types.ts'
import { freePort } from '../../helper.ts'
import { logCollector, startReceiver, waitFor } from '../../simulator/helpers.ts'
import { SECRET_ID, SECRET_KEY, startTencentSimulator } from './harness.ts'

const SECRETS = [SECRET_ID, SECRET_KEY]
const leaks = (text: string) => SECRETS.filter((s) => text.includes(s))
const input = { imageUrl: 'https://images.example.com/a.png' }

function provider (endpoint: string, timeoutMs = 5000): Provider {
  return createTencentProvider({ endpoint, secretId: SECRET_ID, secretKey: SECRET_KEY, outputBaseUrl: 'http://127.0.0.1:1/s', outputDir: '/bff', connectTimeoutMs: 2000, timeoutMs })
}

/** A server that answers every request with `handler`; null never answers. */
async function fakeUpstream (handler: (body: string) => { status: number, body: string } | null): Promise<{ url: string, server: Server }> {
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => { body += c.toString('utf8') })
    req.on('end', () => {
      const answer = handler(body)
      if (answer) res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/release/job`, server }
}

describe('Tencent secrets', () => {
  const servers: Server[] = []
  afterAll(async () => {
    for (const s of servers) { s.closeAllConnections(); await new Promise((resolve) => s.close(resolve)) }
  })

  it('never reach an error, whatever the failure', async () => {
    const echo = await fakeUpstream((body) => ({ status: 400, body: JSON.stringify({ error: { code: 'InvalidParameter', message: `bad request ${body}` } }) }))
    const garbage = await fakeUpstream((body) => ({ status: 200, body: `<html>${body}</html>` }))
    const wrongShape = await fakeUpstream((body) => ({ status: 200, body: JSON.stringify({ requestId: 'r', echo: body }) }))
    const silent = await fakeUpstream(() => null)
    servers.push(echo.server, garbage.server, wrongShape.server, silent.server)
    const { sim, endpoint } = await startTencentSimulator({ secretKey: 'the-simulator-wants-another-key' })
    const cases: [string, Provider, string][] = [
      ['echoing upstream', provider(echo.url), 'BFF_ERR_UPSTREAM_REJECTED'],
      ['non-JSON answer', provider(garbage.url), 'BFF_ERR_UPSTREAM_BAD_RESPONSE'],
      ['unexpected JSON', provider(wrongShape.url), 'BFF_ERR_UPSTREAM_BAD_RESPONSE'],
      ['no answer', provider(silent.url, 300), 'BFF_ERR_UPSTREAM_TIMEOUT'],
      ['nobody listening', provider(`http://127.0.0.1:${await freePort()}/release/job`), 'BFF_ERR_UPSTREAM_UNAVAILABLE'],
      ['wrong credentials', provider(endpoint), 'BFF_ERR_UPSTREAM_AUTH']
    ]
    const sink = logCollector()
    const log = pino(loggerOptions({ logLevel: 'info' }), sink.stream)
    try {
      for (const [what, p, code] of cases) {
        const err = await p.create({ taskId: 't-1', capability: 'tencent-image-to-music', input, callbackUrl: 'http://127.0.0.1:1/cb', deadlineAt: Date.now() + 60_000 })
          .then(() => null, (e: unknown) => e as Error & { code?: string, upstreamMessage?: string })
        expect(err?.code, what).toBe(code)
        // Everything an operator or a client could get to see of the error.
        const views = [err!.message, String(err), JSON.stringify(err), inspect(err, { depth: 10 }), err!.upstreamMessage ?? '']
        expect(views.flatMap(leaks), what).toEqual([])
        log.warn({ err, upstreamMessage: err!.upstreamMessage }, 'upstream create failed')
        await p.close()
      }
      // The echoing upstream's message was kept (useful in the log), with the secrets cut out.
      expect(sink.lines.some((l) => String(l.upstreamMessage).includes('[REDACTED]'))).toBe(true)
      expect(sink.lines.flatMap((l) => leaks(JSON.stringify(l)))).toEqual([])
    } finally {
      await sim.close()
    }
  })

  it('are redacted wherever a request body gets logged', () => {
    const sink = logCollector()
    const log = pino(loggerOptions({ logLevel: 'info' }), sink.stream)
    const body = { action: 'CreateJob', secretId: SECRET_ID, secretKey: SECRET_KEY, createJobRequest: { customId: 't' } }
    log.info(body, 'the body itself')
    log.info({ body }, 'one level down')
    log.info({ req: { body } }, 'two levels down')
    expect(sink.lines).toHaveLength(3)
    expect(sink.lines.flatMap((l) => leaks(JSON.stringify(l)))).toEqual([])
    expect(sink.lines[0]).toMatchObject({ secretKey: '[REDACTED]', action: 'CreateJob' })
  })

  describe('around a whole job', () => {
    let sim: Awaited<ReturnType<typeof startTencentSimulator>>
    const simLog = logCollector()
    beforeAll(async () => { sim = await startTencentSimulator({ logger: { level: 'trace', stream: simLog.stream } }) })
    afterAll(async () => { await sim.sim.close() })

    it('stay out of the simulator\'s log, callbacks included', async () => {
      const receiver = await startReceiver()
      const p = createTencentProvider({ endpoint: sim.endpoint, secretId: SECRET_ID, secretKey: SECRET_KEY, outputBaseUrl: sim.storage, outputDir: '/bff', connectTimeoutMs: 2000, timeoutMs: 5000 })
      try {
        const out = await p.create({ taskId: 't-2', capability: 'tencent-image-to-music', input, callbackUrl: receiver.url, deadlineAt: Date.now() + 60_000 })
        await waitFor(() => receiver.received.length > 0, 20_000, 'the callback')
        expect('upstreamTaskId' in out && (await p.get(out.upstreamTaskId)).status).toBe('succeeded')
        expect(receiver.received.flatMap((c) => leaks(JSON.stringify(c)))).toEqual([])
        expect(simLog.lines.length).toBeGreaterThan(3)
        expect(simLog.lines.flatMap((l) => leaks(JSON.stringify(l)))).toEqual([])
        // The callback URL carries the BFF's per-task token; the simulator logs only its origin.
        expect(simLog.lines.flatMap((l) => JSON.stringify(l).includes('secret-token') ? [l] : [])).toEqual([])
      } finally {
        await p.close()
        await receiver.close()
      }
    })
  })
})
