/**
 * Baseline for scenario 1: a plain node:http server that forwards the same upstream create call
 * (same endpoint, headers and body shape as the BFF's gateway client) with undici to the same
 * simulator and answers 202. No auth, validation, storage or framework: the minimum a proxy does.
 */
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Agent, request } from 'undici'
import { APP_KEY, APP_SECRET } from './common.ts'
import { startChild } from './child.ts'

const simUrl = process.env.SIM_URL!
const port = Number(process.env.PORT ?? 0)
// The same pool settings as src/providers/tomoviee/client.ts.
const agent = new Agent({ connect: { timeout: 5_000 }, headersTimeout: 30_000, bodyTimeout: 30_000, keepAliveTimeout: 10_000, keepAliveMaxTimeout: 60_000 })
const headers = {
  'content-type': 'application/json',
  authorization: `Basic ${Buffer.from(`${APP_KEY}:${APP_SECRET}`, 'utf8').toString('base64')}`,
  'x-app-key': APP_KEY
}

async function readBody (req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

const server = createServer((req, res) => {
  void (async () => {
    try {
      const input = JSON.parse(await readBody(req)) as { videoUrl: string, prompt: string, duration?: number }
      const id = randomUUID()
      const body = {
        file_link: input.videoUrl,
        video: input.videoUrl,
        prompt: input.prompt,
        ...(input.duration !== undefined ? { duration: input.duration } : {}),
        callback: `http://127.0.0.1:${port}/webhooks/tomoviee?task=${id}&token=none`,
        params: id
      }
      const up = await request(`${simUrl}/v1/open/capacity/application/tm_video_scoring`, { method: 'POST', headers, body: JSON.stringify(body), dispatcher: agent })
      const answer = await up.body.json() as { data?: { task_id?: string } }
      res.writeHead(up.statusCode === 200 ? 202 : 502, { 'content-type': 'application/json; charset=utf-8' })
      res.end(JSON.stringify({ id, status: 'queued', upstreamTaskId: answer.data?.task_id ?? null }))
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
      await agent.close()
    }
  })
})
