import { afterEach, describe, expect, it, vi } from 'vitest'
import { createSseStream } from '../../src/sse/stream.ts'

afterEach(() => { vi.useRealTimers() })

const read = (body: NodeJS.ReadableStream): string => {
  let out = ''
  let chunk: Buffer | string | null
  while ((chunk = body.read() as Buffer | null) !== null) out += chunk.toString()
  return out
}

describe('createSseStream', () => {
  it('opens with a retry hint and sends heartbeat comments on its interval', () => {
    vi.useFakeTimers()
    const s = createSseStream({ heartbeatMs: 15_000, retryMs: 2500, maxBufferBytes: 1 << 20 })
    expect(read(s.body)).toBe(': stream open\nretry: 2500\n\n')
    vi.advanceTimersByTime(14_999)
    expect(read(s.body)).toBe('')
    vi.advanceTimersByTime(1)
    expect(read(s.body)).toBe(': heartbeat\n\n')
    s.end()
  })

  it('drops a client that stops reading instead of buffering without bound', async () => {
    const s = createSseStream({ heartbeatMs: 60_000, retryMs: 1000, maxBufferBytes: 4096 })
    let closed = false
    s.onClose(() => { closed = true })
    const frame = { event: 'task.processing', data: { pad: 'x'.repeat(500) } }
    let sent = 0
    while (s.send(frame)) sent++
    expect(sent).toBeGreaterThan(3)
    expect(sent).toBeLessThan(10)
    await new Promise((resolve) => setImmediate(resolve))
    expect(closed).toBe(true)
    expect(s.closed).toBe(true)
    expect(s.send(frame)).toBe(false)
  })

  it('ends with a final frame, after which sends are refused, and runs close callbacks once', async () => {
    const s = createSseStream({ heartbeatMs: 60_000, retryMs: 1000, maxBufferBytes: 1 << 20 })
    let closes = 0
    s.onClose(() => { closes++ })
    s.body.resume()
    s.end({ event: 'shutdown', data: { reason: 'bye' } })
    expect(s.send({ data: 'late' })).toBe(false)
    await new Promise((resolve) => s.body.once('close', resolve))
    expect(closes).toBe(1)
    s.onClose(() => { closes++ })
    expect(closes).toBe(2) // registered after close: runs at once
  })
})
