import { PassThrough } from 'node:stream'
import { encodeSseFrame, type SseFrame } from './encode.ts'

export interface SseStreamOptions {
  heartbeatMs: number
  retryMs: number
  /** How far a client may fall behind before it is dropped instead of buffered without bound. */
  maxBufferBytes: number
}

export interface SseStream {
  /** What the route sends as the response body. */
  readonly body: PassThrough
  readonly closed: boolean
  /** Writes a frame; returns false when the stream is closed or the client was dropped for lagging. */
  send: (frame: SseFrame) => boolean
  /** Ends the stream after an optional last frame. */
  end: (frame?: SseFrame) => void
  onClose: (fn: () => void) => void
}

export function createSseStream (opts: SseStreamOptions): SseStream {
  const body = new PassThrough()
  let closed = false
  const closers: (() => void)[] = []

  const heartbeat = setInterval(() => send({ comment: 'heartbeat' }), opts.heartbeatMs)
  heartbeat.unref()

  body.once('close', () => {
    closed = true
    clearInterval(heartbeat)
    for (const fn of closers.splice(0)) fn()
  })

  function send (frame: SseFrame): boolean {
    if (closed || body.destroyed || body.writableEnded) return false
    body.write(encodeSseFrame(frame))
    // Bytes written but not yet taken by the socket, on both sides of the pass-through.
    if (body.writableLength + body.readableLength > opts.maxBufferBytes) {
      body.destroy()
      return false
    }
    return true
  }

  send({ retry: opts.retryMs, comment: 'stream open' })

  return {
    body,
    get closed () { return closed },
    send,
    end (frame) {
      if (frame) send(frame)
      if (!body.destroyed && !body.writableEnded) body.end()
      clearInterval(heartbeat)
    },
    onClose (fn) {
      if (closed) fn()
      else closers.push(fn)
    }
  }
}
