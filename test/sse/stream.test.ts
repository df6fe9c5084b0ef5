import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createSseStream, type SseStream, type SseStreamOptions } from '../../src/sse/stream.ts'

let server: Server | undefined
afterEach(async () => {
  server?.closeAllConnections()
  await new Promise<void>((resolve) => server ? server.close(() => resolve()) : resolve())
  server = undefined
})

/** A real server whose single response is handed to `onResponse`, and a client request to it. */
async function serve (onResponse: (res: ServerResponse) => void): Promise<{ res: Promise<IncomingMessage> }> {
  server = createServer((_req, res) => onResponse(res))
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const res = new Promise<IncomingMessage>((resolve, reject) => request({ port, host: '127.0.0.1', path: '/' }, resolve).on('error', reject).end())
  return { res }
}

const read = async (res: IncomingMessage): Promise<string> => {
  let text = ''
  for await (const chunk of res) text += String(chunk)
  return text
}

const opts: SseStreamOptions = { retryMs: 2500, maxBufferBytes: 1 << 20 }

describe('createSseStream', () => {
  it('sends the head with its headers, then what was sent before attaching, then later frames', async () => {
    let stream: SseStream | undefined
    const { res } = await serve((raw) => {
      stream = createSseStream(opts)
      stream.send({ id: 1, event: 'task.queued', data: { a: 1 } })
      stream.attach(raw, { 'content-type': 'text/event-stream', 'x-test': 'yes' })
      stream.sendEncoded(': ping\n\n')
      stream.end({ event: 'shutdown', data: 'bye' })
    })
    const response = await res
    expect(response.headers['x-test']).toBe('yes')
    expect(await read(response)).toBe(': stream open\nretry: 2500\n\nid: 1\nevent: task.queued\ndata: {"a":1}\n\n: ping\n\nevent: shutdown\ndata: bye\n\n')
    expect(stream!.closed).toBe(true)
    expect(stream!.send({ data: 'late' })).toBe(false)
  })

  it('drops a client that stops reading instead of buffering without bound', async () => {
    let stream: SseStream | undefined
    let closes = 0
    const attached = new Promise<void>((resolve) => {
      void serve((raw) => {
        stream = createSseStream({ ...opts, maxBufferBytes: 64 * 1024 })
        stream.onClose(() => { closes++ })
        stream.attach(raw, { 'content-type': 'text/event-stream' })
        resolve()
      }).then(async ({ res }) => { (await res).pause() }) // the client never reads
    })
    await attached
    const frame = { event: 'task.processing', data: { pad: 'x'.repeat(16 * 1024) } }
    let sent = 0
    while (sent < 10_000 && stream!.send(frame)) sent++
    expect(sent).toBeLessThan(10_000)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(stream!.closed).toBe(true)
    expect(closes).toBe(1)
    stream!.onClose(() => { closes++ })
    expect(closes).toBe(2) // registered after close: runs at once
  })

  it('ends a stream that was never attached without leaking its close callbacks', () => {
    const stream = createSseStream(opts)
    let closed = false
    stream.onClose(() => { closed = true })
    stream.end()
    expect(closed).toBe(true)
    expect(stream.sendEncoded('x')).toBe(false)
  })
})
