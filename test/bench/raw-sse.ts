/** The raw SSE connection the benchmark's load clients (sse-clients.ts, storm-clients.ts) open by the thousand. */
import { connect, type Socket } from 'node:net'

export interface RawSseRequest {
  port: number
  path: string
  auth?: string | undefined
  lastEventId?: number | undefined
  /** How long the connection and the response head may take before the socket is given up. */
  headTimeoutMs: number
}

export interface RawSseHandlers {
  /** The answer was 200; the body's chunks follow (the rest of the head's chunk first). */
  onOpen?: () => void
  onBody?: (chunk: Buffer) => void
  /** The socket closed; `opened` when it had been a 200 stream. */
  onClose?: (opened: boolean) => void
}

/**
 * One SSE stream for the load clients: a node:net socket with a hand-written HTTP/1.1 GET and no
 * parsing beyond the status line, cheap enough to open thousands from one process. `status`
 * resolves to the HTTP status (a socket answered otherwise than 200 is destroyed), 0 when the
 * connection failed or no head came in time.
 */
export function connectRawSse (req: RawSseRequest, on: RawSseHandlers = {}): { socket: Socket, status: Promise<number> } {
  const socket = connect({ host: '127.0.0.1', port: req.port })
  const status = new Promise<number>((resolve) => {
    let head: Buffer | null = Buffer.alloc(0)
    let settled = false
    let opened = false
    const done = (code: number): void => {
      if (settled) return
      settled = true
      resolve(code)
    }
    socket.setNoDelay(true)
    socket.setTimeout(req.headTimeoutMs, () => { if (!settled) socket.destroy() })
    socket.on('connect', () => {
      socket.write(`GET ${req.path} HTTP/1.1\r\nHost: 127.0.0.1:${req.port}\r\nAccept: text/event-stream\r\n` +
        (req.auth ? `Authorization: Bearer ${req.auth}\r\n` : '') +
        (req.lastEventId !== undefined ? `Last-Event-ID: ${req.lastEventId}\r\n` : '') + '\r\n')
    })
    socket.on('data', (chunk: Buffer) => {
      if (head === null) return on.onBody?.(chunk)
      head = Buffer.concat([head, chunk])
      const end = head.indexOf('\r\n\r\n')
      if (end === -1) return
      const code = Number(/^HTTP\/1\.1 (\d{3})/.exec(head.subarray(0, 16).toString('latin1'))?.[1] ?? 0)
      const rest = head.subarray(end + 4)
      head = null
      socket.setTimeout(0)
      if (code !== 200) {
        socket.destroy()
        return done(code)
      }
      opened = true
      on.onOpen?.()
      done(200)
      if (rest.length > 0) on.onBody?.(rest)
    })
    socket.on('error', () => done(0))
    socket.on('close', () => {
      done(0)
      on.onClose?.(opened)
    })
  })
  return { socket, status }
}
