import { connect, type Socket } from 'node:net'

export interface RawSocket {
  socket: Socket
  /** Everything the server wrote. */
  received: () => string
  /** Resolves with the ms since opening when the server closes (or resets) the connection. */
  closed: Promise<number>
}

/** A raw TCP client, for requests no well-behaved HTTP client would send. */
export function rawSocket (port: number, opts: { localAddress?: string } = {}): Promise<RawSocket> {
  return new Promise((resolve, reject) => {
    const opened = Date.now()
    const socket = connect({ host: '127.0.0.1', port, ...opts })
    let text = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => { text += chunk })
    const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - opened)))
    socket.once('error', () => {})
    socket.once('connect', () => resolve({ socket, received: () => text, closed }))
    socket.once('error', reject)
  })
}

/** Writes one byte every `everyMs` until the socket closes. */
export function trickle (s: RawSocket, everyMs: number, byte = ' '): void {
  const timer = setInterval(() => {
    if (s.socket.destroyed || s.socket.writableEnded) return clearInterval(timer)
    s.socket.write(byte)
  }, everyMs)
  void s.closed.then(() => clearInterval(timer))
}

export async function timed<T> (fn: () => Promise<T>): Promise<{ ms: number, value: T }> {
  const start = performance.now()
  const value = await fn()
  return { ms: performance.now() - start, value }
}
