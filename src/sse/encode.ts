export interface SseFrame {
  id?: string | number
  event?: string
  /** Serialised as JSON unless already a string. */
  data?: unknown
  retry?: number
  comment?: string
}

const NEWLINE = /\r\n|\r|\n/
const LINE_BREAK = /[\r\n]/

/** Encodes one Server-Sent Events frame; multi-line values become one field per line as the spec requires. */
export function encodeSseFrame (frame: SseFrame): string {
  let out = ''
  if (frame.comment !== undefined) out += frame.comment.split(NEWLINE).map((l) => `: ${l}\n`).join('')
  if (frame.retry !== undefined) out += `retry: ${Math.max(0, Math.floor(frame.retry))}\n`
  // id and event are single-line by construction; strip line breaks rather than corrupt the stream.
  if (frame.id !== undefined) out += `id: ${typeof frame.id === 'number' ? frame.id : frame.id.replace(/[\r\n\0]/g, '')}\n`
  if (frame.event !== undefined) out += `event: ${frame.event.replace(/[\r\n]/g, '')}\n`
  if (frame.data !== undefined) {
    const text = typeof frame.data === 'string' ? frame.data : JSON.stringify(frame.data)
    // JSON has no raw line breaks: most frames skip the split.
    out += LINE_BREAK.test(text) ? text.split(NEWLINE).map((l) => `data: ${l}\n`).join('') : `data: ${text}\n`
  }
  return `${out}\n`
}
