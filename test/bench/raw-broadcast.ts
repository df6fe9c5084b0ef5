/**
 * Baseline for scenarios 3 and 4: a plain node:http SSE broadcaster. `GET /events?ch=<name>` holds a
 * stream on a channel; `POST /publish?ch=<name>` parses a JSON body and writes it as one SSE frame
 * to every stream of that channel, then acks. The same wire format and headers as the BFF's streams.
 */
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { startChild } from './child.ts'

const channels = new Map<string, Set<ServerResponse>>()
let open = 0
let nextId = 1

const channelOf = (url: string | undefined): string => new URLSearchParams((url ?? '').split('?')[1] ?? '').get('ch') ?? 'default'

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url?.startsWith('/events')) {
    const ch = channelOf(req.url)
    let set = channels.get(ch)
    if (!set) channels.set(ch, (set = new Set()))
    set.add(res)
    open++
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' })
    res.write(': stream open\nretry: 3000\n\n')
    res.once('close', () => {
      set.delete(res)
      open--
    })
    return
  }
  if (req.method === 'POST' && req.url?.startsWith('/publish')) {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const data: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'))
      const frame = `id: ${nextId++}\nevent: task.processing\ndata: ${JSON.stringify(data)}\n\n`
      let sent = 0
      for (const stream of channels.get(channelOf(req.url)) ?? []) {
        stream.write(frame)
        sent++
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sent }))
    })
    return
  }
  res.writeHead(404).end()
})
// BACKLOG: the reconnect storm gives the baseline the same accept queue as the BFF.
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', Number(process.env.BACKLOG ?? 511), () => {
  startChild({
    info: { port: (server.address() as AddressInfo).port },
    handlers: { streams: () => open },
    onStop: async () => {
      for (const set of channels.values()) for (const res of set) res.end()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })
})
