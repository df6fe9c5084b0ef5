/**
 * Baseline for scenario 1: a plain node:http server that forwards the same upstream create call
 * (test/bench/upstream-create.ts) with undici to the same simulator and answers 202. No auth,
 * validation, storage or framework: the minimum a proxy does.
 */
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { startChild } from './child.ts'
import { closeUpstream, createUpstream, type VideoInput } from './upstream-create.ts'

const simUrl = process.env.SIM_URL!
const port = Number(process.env.PORT ?? 0)

async function readBody (req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

const server = createServer((req, res) => {
  void (async () => {
    try {
      const input = JSON.parse(await readBody(req)) as VideoInput
      const id = randomUUID()
      const up = await createUpstream(simUrl, port, id, input)
      res.writeHead(up.ok ? 202 : 502, { 'content-type': 'application/json; charset=utf-8' })
      res.end(JSON.stringify({ id, status: 'queued', upstreamTaskId: up.upstreamTaskId }))
    } catch {
      res.writeHead(502).end()
    }
  })()
})
server.listen(port, '127.0.0.1', () => {
  startChild({
    info: { port: (server.address() as AddressInfo).port },
    onStop: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await closeUpstream()
    }
  })
})
