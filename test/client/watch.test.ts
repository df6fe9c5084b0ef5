import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { TaskEvent, WatchEvent } from '../../packages/client/src/index.ts'
import { eventually, freePort, startStack, tempDbPath, type Stack } from '../helper.ts'
import { clientFor, collect, lines, recordingFetch, replay, streamCutter } from './helpers.ts'

let stack: Stack
let db: ReturnType<typeof tempDbPath>
beforeEach(async () => {
  db = tempDbPath()
  // A file database survives a BFF restart; a short retry hint keeps reconnects quick.
  stack = await startStack({ sim: { progressCallbacks: true, queueMs: 300, processMs: 400 }, env: { DATABASE_PATH: db.path, SSE_RETRY_MS: '100' } })
})
afterEach(async () => {
  await stack.close()
  db.cleanup()
})

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
const finished = (e: WatchEvent): boolean => e.type === 'task.succeeded' || e.type === 'task.failed'
/** Stops once `n` different tasks have finished. */
const allFinished = (n: number) => {
  const done = new Set<string>()
  return (e: WatchEvent): boolean => {
    if (e.type !== 'reset' && finished(e)) done.add(e.task.id)
    return done.size >= n
  }
}
const streamsOpen = (n: number): Promise<number> => eventually(() => stack.bff.openSseCount(), (c) => c === n)

describe('watch over streaming fetch', () => {
  it('follows one task from queued through progress to succeeded, then ends by itself', async () => {
    const client = clientFor(stack)
    const task = await client.createTask('text-to-speech', { text: 'Hello there' })
    const seen: TaskEvent[] = []
    const events = await collect(client.watch(task.id, { onEvent: (e) => seen.push(e) }))
    const types = events.map((e) => e.type)
    expect(types[0]).toBe('task.queued')
    expect(types).toContain('task.processing')
    expect(types.at(-1)).toBe('task.succeeded')
    expect(seen).toEqual(events)
    const last = events.at(-1) as TaskEvent
    expect(last.task).toMatchObject({ id: task.id, status: 'succeeded', progress: 100, outputs: [{ type: 'audio' }] })
    expect(lines(events)).toEqual(lines(await replay(client, task.id, Infinity)))
    await streamsOpen(0)
  })

  it("follows several tasks on 'all'", async () => {
    const client = clientFor(stack)
    const watching = collect(client.watch('all'), allFinished(3))
    await streamsOpen(1)
    const ids = await Promise.all(['one', 'two', 'three'].map(async (text) => (await client.createTask('text-to-speech', { text })).id))
    const events = await watching
    for (const id of ids) {
      const mine = events.filter((e) => e.type !== 'reset' && e.task.id === id).map((e) => e.type)
      expect(mine[0]).toBe('task.queued')
      expect(mine.at(-1)).toBe('task.succeeded')
    }
    expect(lines(events)).toEqual(lines(await replay(client, 'all', events.at(-1)!.id)))
    await streamsOpen(0)
  })

  it('reconnects after the server drops the stream, losing and repeating nothing', async () => {
    const cutter = streamCutter(stack)
    const rec = recordingFetch()
    const client = clientFor(stack, { fetch: rec.fetch })
    let done = false
    const watching = collect(client.watch('all'), allFinished(3)).finally(() => { done = true })
    await streamsOpen(1)
    for (const text of ['a', 'b', 'c']) await client.createTask('text-to-speech', { text })
    let cuts = 0
    while (!done) {
      await sleep(120)
      cuts += cutter.cut()
    }
    const events = await watching
    expect(cuts).toBeGreaterThanOrEqual(2)
    const streams = rec.calls.filter((c) => c.url.endsWith('/v1/events'))
    expect(streams.length).toBeGreaterThan(cuts - 1)
    expect(streams.slice(1).every((c) => /^\d+$/.test(c.headers['last-event-id'] ?? ''))).toBe(true)
    expect(lines(events)).toEqual(lines(await replay(client, 'all', events.at(-1)!.id)))
  })

  it('reconnects after a shutdown event, once the BFF is back on the same port', async () => {
    const rec = recordingFetch()
    const client = clientFor(stack, { fetch: rec.fetch })
    const task = await client.createTask('text-to-speech', { text: 'slow #delay=1500' })
    const events: WatchEvent[] = []
    const watching = (async () => { for await (const e of client.watch(task.id)) events.push(e) })()
    await eventually(() => events.length, (n) => n >= 1)
    await stack.stopBff()
    await sleep(300)
    await stack.startBff()
    await watching
    expect(events.at(-1)?.type).toBe('task.succeeded')
    expect(rec.calls.filter((c) => c.url.endsWith('/events')).length).toBeGreaterThan(1)
    expect(lines(events)).toEqual(lines(await replay(client, task.id, Infinity)))
  })

  it('reconnects a stream that went silent', async () => {
    let stalled = 0
    const rec = recordingFetch((url, init, real) => {
      if (!url.endsWith('/events') || stalled++ > 0) return undefined
      // The first stream passes its first chunk, then nothing, without closing: a dead connection.
      return real(url, init).then((res) => {
        const reader = res.body!.getReader()
        let passed = false
        const body = new ReadableStream<Uint8Array>({
          async pull (controller) {
            if (passed) return new Promise<void>(() => {})
            passed = true
            const { value } = await reader.read()
            if (value) controller.enqueue(value)
          },
          cancel: () => reader.cancel()
        })
        return new Response(body, { status: res.status, headers: res.headers })
      })
    })
    const client = clientFor(stack, { fetch: rec.fetch, idleTimeoutMs: 300 })
    const task = await client.createTask('text-to-speech', { text: 'through a stall' })
    const events = await collect(client.watch(task.id))
    expect(events.at(-1)?.type).toBe('task.succeeded')
    expect(rec.calls.filter((c) => c.url.endsWith('/events')).length).toBeGreaterThan(1)
    expect(lines(events)).toEqual(lines(await replay(client, task.id, Infinity)))
  })

  it('resumes after a given id, and ends at once when the task finished before it', async () => {
    const client = clientFor(stack)
    const task = await client.createTask('text-to-speech', { text: 'resume' })
    const all = await collect(client.watch(task.id))
    const after = await collect(client.watch(task.id, { lastEventId: all[0]!.id }))
    expect(lines(after)).toEqual(lines(all.slice(1)))
    expect(await collect(client.watch(task.id, { lastEventId: all.at(-1)!.id }))).toEqual([])
  })

  it('ends promptly and closes the connection when aborted, or left with break', async () => {
    const client = clientFor(stack)
    const ac = new AbortController()
    const watching = collect(client.watch('all', { signal: ac.signal }))
    await streamsOpen(1)
    const t0 = Date.now()
    ac.abort()
    expect(await watching).toEqual([])
    expect(Date.now() - t0).toBeLessThan(500)
    await streamsOpen(0)

    await client.createTask('text-to-speech', { text: 'break' })
    const first = await collect(client.watch('all'), () => true)
    expect(first).toHaveLength(1)
    await streamsOpen(0)

    // Also while waiting to reconnect to a BFF that cannot be reached.
    const down = new AbortController()
    const unreachable = clientFor(stack, { baseUrl: `http://127.0.0.1:${await freePort()}` })
    const waiting = collect(unreachable.watch('all', { signal: down.signal }))
    await sleep(300)
    const t1 = Date.now()
    down.abort()
    expect(await waiting).toEqual([])
    expect(Date.now() - t1).toBeLessThan(500)
    expect(await collect(client.watch('all', { signal: AbortSignal.abort() }))).toEqual([])
  })

  it('fails with BffClientError when the stream is refused for good', async () => {
    const client = clientFor(stack)
    await expect(collect(client.watch('no-such-task'))).rejects.toMatchObject({ status: 404, code: 'BFF_ERR_TASK_NOT_FOUND' })
    await expect(collect(clientFor(stack, { credentials: 'wrong' }).watch('all'))).rejects.toMatchObject({ status: 401, code: 'BFF_ERR_AUTH_INVALID' })
  })
})
