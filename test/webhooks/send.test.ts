import { createServer, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig, ConfigError } from '../../src/config.ts'
import { createSender } from '../../src/webhooks/send.ts'
import { decodeSecret } from '../../src/webhooks/signing.ts'
import { SECRET } from './receiver.ts'

const servers: Server[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) { s.closeAllConnections(); await new Promise((resolve) => s.close(resolve)) }
})

async function serve (handler: Parameters<typeof createServer>[1]): Promise<{ url: string, hits: string[], sockets: Set<Socket> }> {
  const hits: string[] = []
  const sockets = new Set<Socket>()
  const server = createServer((req, res) => { hits.push(req.url ?? ''); handler!(req, res) })
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)) })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, sockets }
}

const target = (url: string) => ({ url, secret: decodeSecret(SECRET)! })

describe('a delivery attempt', () => {
  it('never follows a redirect: the 3xx is a failed attempt', async () => {
    const srv = await serve((req, res) => {
      if (req.url === '/hook') { res.writeHead(307, { location: '/elsewhere' }); res.end() } else { res.end('followed') }
    })
    const sender = createSender({ timeoutMs: 2_000, maxAnswerBytes: 1_024 })
    const result = await sender.send(target(`${srv.url}/hook`), 'msg_1', '{}')
    await sender.close()
    expect(result).toMatchObject({ status: 307, error: 'answered 307' })
    expect(srv.hits).toEqual(['/hook'])
  })

  it('cuts off an oversized answer after the cap, keeping the status', async () => {
    let written = 0
    const srv = await serve((_req, res) => {
      res.writeHead(200)
      const chunk = Buffer.alloc(64 * 1024, 'x')
      // Streams without end until the client hangs up.
      const pump = (): void => { while (res.write(chunk)) { written += chunk.length; if (written > 512 * 1024 * 1024) { res.end(); return } } res.once('drain', pump) }
      pump()
    })
    const sender = createSender({ timeoutMs: 10_000, maxAnswerBytes: 4_096 })
    const started = Date.now()
    const result = await sender.send(target(`${srv.url}/hook`), 'msg_2', '{}')
    expect(result).toMatchObject({ status: 200, error: null })
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(written).toBeLessThan(64 * 1024 * 1024)
    await sender.close()
  })

  it('cuts off an answer that never comes at the timeout, as a failed attempt', async () => {
    const srv = await serve(() => { /* never answers */ })
    const sender = createSender({ timeoutMs: 300, maxAnswerBytes: 1_024 })
    const started = Date.now()
    const result = await sender.send(target(`${srv.url}/hook`), 'msg_3', '{}')
    expect(result).toMatchObject({ status: null, error: 'timed out' })
    expect(Date.now() - started).toBeLessThan(3_000)
    await sender.close()
  })

  it('cuts off a trickled body at the timeout, keeping the 2xx', async () => {
    const srv = await serve((_req, res) => {
      res.writeHead(200)
      const t = setInterval(() => res.write('.'), 50)
      res.on('close', () => clearInterval(t))
    })
    const sender = createSender({ timeoutMs: 400, maxAnswerBytes: 1_024 })
    const started = Date.now()
    const result = await sender.send(target(`${srv.url}/hook`), 'msg_4', '{}')
    expect(result).toMatchObject({ status: 200 })
    expect(Date.now() - started).toBeLessThan(3_000)
    await sender.close()
  })
})

describe('WEBHOOK_* configuration', () => {
  const problems = (env: Record<string, string>): string[] => {
    try { loadConfig(env); return [] } catch (err) { return (err as ConfigError).problems }
  }
  it('parses endpoints and refuses bad ones in one line naming the variable, never echoing a secret', () => {
    const c = loadConfig({ WEBHOOK_ENDPOINTS: JSON.stringify([{ url: 'http://10.0.0.5:8080/hooks?token=abc', secret: SECRET, events: ['task.succeeded', 'task.failed'] }]) })
    expect(c.webhooks.endpoints[0]).toMatchObject({ host: '10.0.0.5:8080', owners: null })
    expect([...c.webhooks.endpoints[0]!.events!]).toEqual(['task.succeeded', 'task.failed'])
    expect(c.webhooks.retryDelaysMs).toEqual([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000])

    const secretish = 'whsec_notbase64!!'
    const bad = problems({ WEBHOOK_ENDPOINTS: JSON.stringify([{ url: 'https://a.example/h', secret: secretish }]) })
    expect(bad).toEqual(['WEBHOOK_ENDPOINTS: entry 1: "secret" must be whsec_ followed by base64 of at least 24 bytes'])
    expect(bad.join()).not.toContain(secretish)
    expect(problems({ WEBHOOK_ENDPOINTS: '{' })[0]).toMatch(/^WEBHOOK_ENDPOINTS: must be a JSON array/)
    expect(problems({ WEBHOOK_ENDPOINTS: JSON.stringify([{ url: 'https://a.example/h', secret: SECRET, events: ['task.done'] }]) })[0]).toMatch(/^WEBHOOK_ENDPOINTS: entry 1: unknown event "task.done"/)
    expect(problems({ WEBHOOK_ENDPOINTS: JSON.stringify([{ url: 'ftp://a.example/h', secret: SECRET }]) })[0]).toMatch(/must be http\(s\)/)
    expect(problems({ WEBHOOK_RETRY_SCHEDULE: '5s,soon' })[0]).toMatch(/^WEBHOOK_RETRY_SCHEDULE=.*"soon" is not a delay/)
    expect(problems({ WEBHOOK_ALLOW_HOSTS: 'hooks.example.com' })).toEqual(['WEBHOOK_TASK_SECRET: required with WEBHOOK_ALLOW_HOSTS (it signs deliveries to per-task webhookUrls)'])
  })
})
