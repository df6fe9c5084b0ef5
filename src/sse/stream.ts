import type { OutgoingHttpHeaders, ServerResponse } from 'node:http'
import { encodeSseFrame, type SseFrame } from './encode.ts'

export interface SseStreamOptions {
  retryMs: number
  /** How far a client may fall behind before it is dropped instead of buffered without bound. */
  maxBufferBytes: number
}

export interface SseStream {
  readonly closed: boolean
  /** Writes a frame; returns false when the stream is closed or the client was dropped for lagging. */
  send: (frame: SseFrame) => boolean
  /** Writes an already encoded frame (one encoding shared by every stream that gets the event). */
  sendEncoded: (chunk: Buffer | string) => boolean
  /** The socket is not keeping up: wait for `drained()` before writing more of a replay. */
  readonly backlogged: boolean
  /** Resolves once the socket has taken what was written, or the stream closed. */
  drained: () => Promise<void>
  /** Sends the head, then what was sent before, and writes straight to the response from then on. */
  attach: (res: ServerResponse, headers: OutgoingHttpHeaders) => void
  /** Ends the stream after an optional last frame. */
  end: (frame?: SseFrame) => void
  onClose: (fn: () => void) => void
}

/** A stream that writes to the raw response: no PassThrough, no pipe, no per-stream timer. */
export function createSseStream (opts: SseStreamOptions): SseStream {
  let res: ServerResponse | null = null
  let pending: (Buffer | string)[] | null = []
  let closed = false
  let ended = false
  const closers: (() => void)[] = []
  let corked = false
  const uncork = (): void => {
    if (!corked) return
    corked = false
    res!.uncork()
  }
  const close = (): void => {
    if (closed) return
    closed = true
    for (const fn of closers.splice(0)) fn()
  }

  function write (chunk: Buffer | string): boolean {
    if (closed || ended) return false
    if (pending !== null) {
      pending.push(chunk)
      return true
    }
    res!.write(chunk)
    // Only what the socket would not take counts against the client: flush the turn's writes first.
    if (res!.writableLength > opts.maxBufferBytes && corked) uncork()
    if (res!.writableLength > opts.maxBufferBytes) {
      res!.destroy()
      return false
    }
    return true
  }

  write(encodeSseFrame({ retry: opts.retryMs, comment: 'stream open' }))

  return {
    get closed () { return closed },
    get backlogged () { return res !== null && !closed && res.writableNeedDrain },
    drained: () => new Promise<void>((resolve) => {
      if (res === null || closed || !res.writableNeedDrain) return resolve()
      const done = (): void => { res!.off('drain', done); res!.off('close', done); resolve() }
      res.once('drain', done)
      res.once('close', done)
    }),
    send: (frame) => write(encodeSseFrame(frame)),
    sendEncoded: write,
    attach (r, headers) {
      res = r
      r.once('close', close)
      r.writeHead(200, headers)
      const queued = pending ?? []
      pending = null
      // The head, what was queued and what a resume's replay writes in this turn leave in one
      // syscall: during a reconnect storm the per-write cost was a fifth of the server's CPU.
      r.cork()
      corked = true
      setImmediate(uncork)
      for (const chunk of queued) r.write(chunk)
      if (ended) r.end()
    },
    end (frame) {
      if (closed || ended) return
      if (frame) write(encodeSseFrame(frame))
      ended = true
      if (res) res.end()
      else close()
    },
    onClose (fn) {
      if (closed) fn()
      else closers.push(fn)
    }
  }
}
