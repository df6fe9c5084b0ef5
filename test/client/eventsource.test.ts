import { EventSource } from 'eventsource'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createStreamTokens } from '../../src/auth/stream-tokens.ts'
import { createClient, type BffClient, type WatchEvent } from '../../packages/client/src/index.ts'
import { ALICE, eventually, startStack, type Stack } from '../helper.ts'
import { clientFor, collect, lines, recordingFetch, replay, streamCutter } from './helpers.ts'

const STREAM_TOKEN_SECRET = 'a-stream-token-secret-for-client-tests-01'
const TTL_SEC = 10

let stack: Stack
beforeEach(async () => {
  stack = await startStack({
    // Queued long enough for a token mint and an EventSource connect on a loaded machine: the first test sees the queued state.
    sim: { progressCallbacks: true, queueMs: 1500, processMs: 400 },
    env: { STREAM_TOKEN_TTL_SEC: String(TTL_SEC), STREAM_TOKEN_SECRET, SSE_RETRY_MS: '200' }
  })
})
afterEach(async () => { await stack.close() })

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
const streamsOpen = (n: number): Promise<number> => eventually(() => stack.bff.openSseCount(), (c) => c === n)
const finishedCount = (n: number) => {
  const done = new Set<string>()
  return (e: WatchEvent): boolean => {
    if (e.type === 'task.succeeded') done.add(e.task.id)
    return done.size >= n
  }
}

/** The `eventsource` package (Node has no EventSource), recording the URL of every instance. */
function esClient (tamper?: Parameters<typeof recordingFetch>[0]): { client: BffClient, urls: URL[], mints: () => { body: string | undefined }[] } {
  const urls: URL[] = []
  class RecordingEventSource extends EventSource {
    constructor (url: string) {
      urls.push(new URL(url))
      super(url)
    }
  }
  const rec = recordingFetch(tamper)
  // No transport option: an EventSource given means the EventSource transport.
  const client = createClient({ baseUrl: stack.url, credentials: ALICE.key, fetch: rec.fetch, EventSource: RecordingEventSource })
  return { client, urls, mints: () => rec.calls.filter((c) => c.url.endsWith('/v1/stream-tokens')) }
}

/** What the server answers a stream opened with this token. */
async function streamWith (token: string, path = '/v1/events'): Promise<{ status: number, code?: string }> {
  const res = await fetch(`${stack.url}${path}?token=${token}`)
  if (res.headers.get('content-type')?.includes('event-stream')) {
    await res.body?.cancel()
    return { status: res.status }
  }
  return { status: res.status, code: ((await res.json()) as { code: string }).code }
}

describe('watch over EventSource', () => {
  it('follows one task with a token scoped to it, and ends', async () => {
    const { client, urls, mints } = esClient()
    const task = await client.createTask('text-to-speech', { text: 'Hello' })
    const events = await collect(client.watch(task.id))
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['task.queued', 'task.processing', 'task.succeeded']))
    expect(events.at(-1)?.type).toBe('task.succeeded')
    expect(mints().map((m) => JSON.parse(m.body!))).toEqual([{ taskId: task.id }])
    expect(urls).toHaveLength(1)
    expect(urls[0]!.pathname).toBe(`/v1/tasks/${task.id}/events`)
    expect(urls[0]!.searchParams.get('token')).toMatch(/^ey/)
    expect(lines(events)).toEqual(lines(await replay(clientFor(stack), task.id, Infinity)))
    await streamsOpen(0)
  })

  it("lets EventSource reconnect by itself while the token is fresh, on 'all', losing and repeating nothing", async () => {
    const cutter = streamCutter(stack)
    const { client, urls, mints } = esClient()
    let done = false
    const watching = collect(client.watch('all'), finishedCount(3)).finally(() => { done = true })
    await streamsOpen(1)
    for (const text of ['a', 'b', 'c']) await client.createTask('text-to-speech', { text })
    let cuts = 0
    while (!done) {
      await sleep(150)
      cuts += cutter.cut()
    }
    const events = await watching
    expect(cuts).toBeGreaterThanOrEqual(1)
    expect(mints()).toHaveLength(1)
    expect(urls).toHaveLength(1)
    expect(lines(events)).toEqual(lines(await replay(clientFor(stack), 'all', events.at(-1)!.id)))
  })

  it('mints a new token when the server rejects the current one as expired', async () => {
    // A genuine token of the server's, issued a minute ago; the answer claims it is fresh.
    const old = createStreamTokens({ secret: STREAM_TOKEN_SECRET, ttlSec: TTL_SEC, now: () => Date.now() - 60_000 })
    let crafted = ''
    const { client, urls, mints } = esClient((url, init) => {
      if (!url.endsWith('/v1/stream-tokens') || crafted !== '') return undefined
      const { taskId } = JSON.parse(String(init?.body)) as { taskId: string }
      return old.issue(ALICE.owner, taskId).then(({ token }) => {
        crafted = token
        return Response.json({ token, expiresAt: new Date(Date.now() + 300_000).toISOString() }, { status: 201 })
      })
    })
    const task = await client.createTask('text-to-speech', { text: 'expired token #delay=1000' })
    const events = await collect(client.watch(task.id))
    expect(await streamWith(crafted, `/v1/tasks/${task.id}/events`)).toEqual({ status: 401, code: 'BFF_ERR_STREAM_TOKEN_EXPIRED' })
    expect(events.at(-1)?.type).toBe('task.succeeded')
    expect(mints()).toHaveLength(2)
    expect(urls.map((u) => u.searchParams.get('token') === crafted)).toEqual([true, false])
    expect(lines(events)).toEqual(lines(await replay(clientFor(stack), task.id, Infinity)))
  })

  it('mints a new token before reconnecting once the current one has expired', async () => {
    const cutter = streamCutter(stack)
    const { client, urls, mints } = esClient()
    const events: WatchEvent[] = []
    const stop = new AbortController()
    const watching = (async () => { for await (const e of client.watch('all', { signal: stop.signal })) events.push(e) })()
    await streamsOpen(1)
    const mintedAt = Date.now()
    const first = urls[0]!.searchParams.get('token')!
    await client.createTask('text-to-speech', { text: 'before expiry' })
    await eventually(() => events.filter((e) => e.type === 'task.succeeded').length, (n) => n === 1)
    // Past its expiry plus the server's clock tolerance: the token opens no stream any more...
    await sleep(mintedAt + (TTL_SEC + 3) * 1000 - Date.now())
    expect(await streamWith(first)).toEqual({ status: 401, code: 'BFF_ERR_STREAM_TOKEN_EXPIRED' })
    // ...but the stream it opened still carries events.
    await client.createTask('text-to-speech', { text: 'after expiry' })
    await eventually(() => events.filter((e) => e.type === 'task.succeeded').length, (n) => n === 2)
    expect(cutter.cut()).toBeGreaterThanOrEqual(1)
    await client.createTask('text-to-speech', { text: 'after the drop' })
    await eventually(() => events.filter((e) => e.type === 'task.succeeded').length, (n) => n === 3, 10_000)
    expect(mints()).toHaveLength(2)
    expect(urls).toHaveLength(2)
    expect(urls[1]!.searchParams.get('token')).not.toBe(first)
    expect(urls[1]!.searchParams.get('lastEventId')).toMatch(/^\d+$/)
    expect(lines(events)).toEqual(lines(await replay(clientFor(stack), 'all', events.at(-1)!.id)))
    stop.abort()
    await watching
  }, 30_000)

  it('ends promptly and closes the EventSource when aborted', async () => {
    const { client } = esClient()
    const ac = new AbortController()
    const watching = collect(client.watch('all', { signal: ac.signal }))
    await streamsOpen(1)
    const t0 = Date.now()
    ac.abort()
    expect(await watching).toEqual([])
    expect(Date.now() - t0).toBeLessThan(500)
    await streamsOpen(0)
  })
})
