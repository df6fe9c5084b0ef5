import { Writable } from 'node:stream'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { buildSimulator } from '../src/providers/tomoviee/simulator/app.ts'
import { logDestination, loggerOptions, redactUrl } from '../src/logger.ts'
import { ALICE, APP_KEY, APP_SECRET, bearer, callbackUrlOf, createTask, eventually, getTask, startStack, type Stack } from './helper.ts'

let stack: Stack | undefined
afterEach(async () => { await stack?.close() })

describe('logging', () => {
  it('never writes the app secret, the client key or a callback token, while logging request and task ids', async () => {
    const lines: string[] = []
    const sink = new Writable({ write (chunk: Buffer, _enc, done) { lines.push(chunk.toString('utf8')); done() } })
    const logger = pino({ ...loggerOptions({ logLevel: 'trace' }) }, sink)
    stack = await startStack({ logger })

    const ok = await createTask(stack, { prompt: 'logged' })
    await eventually(() => getTask(stack!, ok.id), (r) => r.body.status === 'succeeded')
    const parked = await createTask(stack, { prompt: 'parked #hang' })
    const callback = callbackUrlOf(stack, parked.id)
    const token = new URL(callback).searchParams.get('token')!
    await fetch(callback, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"bad":' })
    await fetch(`${stack.url}/v1/tasks`, { headers: { authorization: `Bearer ${APP_SECRET}` } })
    const minted = await fetch(`${stack.url}/v1/stream-tokens`, { method: 'POST', headers: { ...bearer(), 'content-type': 'application/json' }, body: '{}' })
    const streamToken = ((await minted.json()) as { token: string }).token
    await (await fetch(`${stack.url}/v1/tasks/${ok.id}/events?token=${streamToken}`)).text()
    // A rejected upstream call puts the gateway's answer in the error path.
    await stack.close()
    stack = await startStack({ logger, env: { TOMOVIEE_APP_SECRET: `${APP_SECRET}-wrong` } })
    await fetch(`${stack.url}/v1/tasks/video-scoring`, { method: 'POST', headers: { ...bearer(), 'content-type': 'application/json' }, body: JSON.stringify({ videoUrl: 'https://e.com/a.mp4', prompt: 'x' }) })

    const log = lines.join('')
    expect(log).toContain('"reqId"')
    expect(log).toContain(`"taskId":"${ok.id}"`)
    expect(log).toContain('upstream create failed')
    for (const secret of [
      APP_SECRET,
      Buffer.from(`${APP_KEY}:${APP_SECRET}`).toString('base64'),
      Buffer.from(`${APP_KEY}:${APP_SECRET}-wrong`).toString('base64'),
      ALICE.key,
      token,
      streamToken
    ]) {
      expect(log).not.toContain(secret)
    }
    expect(log).toContain('token=[REDACTED]')
  })

  it('redacts credential query parameters from URLs', () => {
    expect(redactUrl('/webhooks/tomoviee?task=1&token=abc&x=2')).toBe('/webhooks/tomoviee?task=1&token=[REDACTED]&x=2')
    expect(redactUrl('/v1/events?token=abc')).toBe('/v1/events?token=[REDACTED]')
    expect(redactUrl('/media/uploads/a/b?expires=1&sig=abc')).toBe('/media/uploads/a/b?expires=1&sig=[REDACTED]')
    expect(redactUrl('/v1/tasks?status=queued')).toBe('/v1/tasks?status=queued')
  })

  it('redacts authorization and app-key headers wherever a request is logged', () => {
    const lines: string[] = []
    const sink = new Writable({ write (chunk: Buffer, _enc, done) { lines.push(chunk.toString('utf8')); done() } })
    pino(loggerOptions({ logLevel: 'info' }), sink).info({ req: { headers: { authorization: 'Bearer s3cret', 'x-app-key': 'k3y' } }, appSecret: 'zzz' }, 'x')
    expect(lines.join('')).not.toMatch(/s3cret|k3y|zzz/)
  })

  it('writes readable lines to a terminal outside production and JSON everywhere else', async () => {
    const terminal = sink()
    terminal.stream.isTTY = true
    const logger = pino(loggerOptions({ logLevel: 'info' }), logDestination({}, terminal.stream))
    logger.info({ taskId: 't-1', appSecret: 'zzz' }, 'task created')
    await eventually(async () => terminal.text(), (t) => t.includes('task created'))
    const line = terminal.text()
    expect(() => JSON.parse(line)).toThrow()
    expect(line).toContain('t-1')
    expect(line).not.toContain('zzz')
    expect(logDestination({ NODE_ENV: 'production' }, terminal.stream)).toBeUndefined()
    expect(logDestination({}, sink().stream)).toBeUndefined()
  })

  it("marks the simulator's request ids as its own", async () => {
    const out = sink()
    const sim = await buildSimulator({ appKey: 'k', appSecret: 's', loggerInstance: pino({ level: 'info' }, out.stream) })
    try {
      await sim.inject({ method: 'GET', url: '/nowhere' })
      await sim.inject({ method: 'GET', url: '/nowhere' })
      const ids = out.text().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { reqId?: string }).reqId).filter(Boolean)
      expect(new Set(ids)).toEqual(new Set(['sim-1', 'sim-2']))
    } finally {
      await sim.close()
    }
  })
})

function sink (): { stream: Writable & { isTTY?: boolean }, text: () => string } {
  const chunks: string[] = []
  const stream = new Writable({ write (chunk: Buffer, _enc, done) { chunks.push(chunk.toString('utf8')); done() } })
  return { stream, text: () => chunks.join('') }
}
