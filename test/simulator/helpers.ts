import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { request } from 'undici'

export const APP_KEY = 'test-app-key'
export const APP_SECRET = 'test-app-secret'

export function authHeaders (key = APP_KEY, secret = APP_SECRET): Record<string, string> {
  return {
    authorization: `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`,
    'x-app-key': key,
    'content-type': 'application/json'
  }
}

export interface ReceivedCallback {
  headers: IncomingHttpHeaders
  body: Record<string, unknown>
  at: number
}

export interface Receiver {
  url: string
  received: ReceivedCallback[]
  close: () => Promise<void>
}

/**
 * A real HTTP callback receiver on a loopback port (a free one unless `port` is given, which lets a
 * test bring a receiver up where callbacks were failing). `answer` picks the status; null never answers.
 */
export async function startReceiver (answer: () => number | null = () => 200, port = 0): Promise<Receiver> {
  const received: ReceivedCallback[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'))
      received.push({ headers: req.headers, body: parsed as Record<string, unknown>, at: Date.now() })
      const status = answer()
      if (status !== null) res.writeHead(status, { 'content-type': 'text/plain' }).end('ok')
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', resolve)
  })
  const bound = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${bound}/hooks/tomoviee?token=secret-token`,
    received,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}

export async function waitFor (check: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

export function sleep (ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** POSTs JSON to the listening simulator over real HTTP, so Host and protocol are genuine. */
export async function postJson (url: string, body: unknown, headers = authHeaders()): Promise<{ status: number, json: Record<string, unknown> }> {
  const res = await request(url, { method: 'POST', headers, body: JSON.stringify(body) })
  return { status: res.statusCode, json: await res.body.json() as Record<string, unknown> }
}

/** Collects pino JSON lines, for asserting what the simulator logged. */
export function logCollector (): { stream: Writable, lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = []
  const stream = new Writable({
    write (chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>)
      }
      done()
    }
  })
  return { stream, lines }
}
