import { describe, expect, it } from 'vitest'
import { createSseParser, type SseFrame } from '../../packages/client/src/sse-parser.ts'

const parse = (chunks: string[]): SseFrame[] => {
  const frames: SseFrame[] = []
  const parser = createSseParser((f) => frames.push(f))
  for (const c of chunks) parser.feed(c)
  return frames
}

describe('the SSE parser of the fetch transport', () => {
  const stream = '\uFEFFretry: 100\r\n: stream open\r\n\r\nid: 7\r\nevent: task.queued\r\ndata: {"a":1}\r\ndata: {"b":2}\r\n\r\nid: 9\n\n: heartbeat\n\nevent: shutdown\rdata: {}\r\r'

  it('reads fields, multi-line data, bare ids and every line ending, in any chunking', () => {
    const expected: SseFrame[] = [
      { retry: 100 },
      { id: '7', event: 'task.queued', data: '{"a":1}\n{"b":2}' },
      { id: '9' },
      { event: 'shutdown', data: '{}' }
    ]
    expect(parse([stream])).toEqual(expected)
    expect(parse([...stream].flatMap((c) => [c, '']))).toEqual(expected)
    expect(parse([stream.slice(0, 20), stream.slice(20, 57), stream.slice(57)])).toEqual(expected)
  })
})
