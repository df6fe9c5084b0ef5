import { afterEach } from 'vitest'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Webhook } from 'standardwebhooks'

export interface Received { id: string, headers: Record<string, string>, body: string }

export const SECRET = `whsec_${Buffer.from('receiver-test-secret-0123456789ab').toString('base64')}`

/** A receiver of the app's backend on a real socket; `answer` decides each reply (default 204). */
export interface Receiver {
  url: string
  port: number
  received: Received[]
  /** Unique webhook-ids, each verified with the standardwebhooks library. */
  verifiedIds: () => Set<string>
  answer: (req: IncomingMessage, res: ServerResponse, n: number) => void
  close: () => Promise<void>
}

export async function startReceiver (opts: { port?: number, secret?: string } = {}): Promise<Receiver> {
  const received: Received[] = []
  const wh = new Webhook(opts.secret ?? SECRET)
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => { body += c.toString() })
    req.on('end', () => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]))
      received.push({ id: headers['webhook-id'] ?? '', headers, body })
      receiver.answer(req, res, received.length)
    })
  })
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}/hooks`,
    port,
    received,
    verifiedIds: () => new Set(received.map((r) => { wh.verify(r.body, r.headers); return r.id })),
    answer: (_req, res) => { res.statusCode = 204; res.end() },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) })
  }
  return receiver
}

export const endpointsEnv = (url: string, extra: Record<string, unknown> = {}): string => JSON.stringify([{ url, secret: SECRET, ...extra }])

/**
 * Closes what the getters return after each test, in order (the stack before its receiver, so no
 * delivery is in flight to a closed socket). Each one is closed once, even when a later test
 * fails before it replaces it.
 */
export function closeAfterEach (...held: Array<() => { close: () => Promise<void> } | undefined>): void {
  const closed = new WeakSet<object>()
  afterEach(async () => {
    for (const get of held) {
      const it = get()
      if (!it || closed.has(it)) continue
      closed.add(it)
      await it.close()
    }
  })
}
