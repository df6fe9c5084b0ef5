/** One SSE block: the fields it set. A block with only `id` moves the cursor without an event. */
export interface SseFrame {
  id?: string
  event?: string
  data?: string
  retry?: number
}

/** An incremental text/event-stream parser (the WHATWG rules), fed decoded text in any chunking. */
export function createSseParser (onFrame: (frame: SseFrame) => void): { feed: (text: string) => void } {
  let buffer = ''
  let frame: SseFrame = {}
  let fields = 0
  let first = true
  let skipLf = false

  function line (text: string): void {
    if (text === '') {
      if (fields > 0) onFrame(frame)
      frame = {}
      fields = 0
      return
    }
    if (text.startsWith(':')) return
    const colon = text.indexOf(':')
    const name = colon === -1 ? text : text.slice(0, colon)
    const value = colon === -1 ? '' : text.slice(colon + 1).replace(/^ /, '')
    if (name === 'data') frame.data = frame.data === undefined ? value : `${frame.data}\n${value}`
    else if (name === 'event') frame.event = value
    else if (name === 'id' && !value.includes('\0')) frame.id = value
    else if (name === 'retry' && /^\d+$/.test(value)) frame.retry = Number(value)
    else return
    fields++
  }

  return {
    feed (text) {
      // A CR that ended the previous chunk may be the first half of a CRLF.
      if (skipLf && text !== '') {
        if (text.startsWith('\n')) text = text.slice(1)
        skipLf = false
      }
      buffer += text
      if (first && buffer.length > 0) {
        buffer = buffer.replace(/^\uFEFF/, '')
        first = false
      }
      for (;;) {
        const match = /\r\n|\r|\n/.exec(buffer)
        if (!match) return
        line(buffer.slice(0, match.index))
        buffer = buffer.slice(match.index + match[0].length)
        if (match[0] === '\r' && buffer === '') skipLf = true
      }
    }
  }
}
