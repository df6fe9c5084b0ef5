import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { ALICE, bearer, dropClientConnections, startStack, testConfig, type Stack } from '../helper.ts'
import { openSse } from '../sse-client.ts'
import { rawSocket, timed, trickle, type RawSocket } from './sockets.ts'

let stack: Stack | undefined
const sockets: RawSocket[] = []
afterEach(async () => {
  for (const s of sockets.splice(0)) s.socket.destroy()
  await stack?.close()
  stack = undefined
})

const HEADERS_MS = 1_000
const BODY_MS = 2_000

async function start (env: Record<string, string>): Promise<{ s: Stack, port: number }> {
  stack = await startStack({ env: { HEADERS_TIMEOUT_MS: String(HEADERS_MS), BODY_TIMEOUT_MS: String(BODY_MS), ...env } })
  return { s: stack, port: (stack.bff.server.address() as AddressInfo).port }
}

async function taskCount (s: Stack): Promise<number> {
  const res = await fetch(`${s.url}/v1/tasks?limit=100`, { headers: bearer(ALICE) })
  return ((await res.json()) as { items: unknown[] }).items.length
}

async function open (port: number, head: string, opts: { localAddress?: string } = {}): Promise<RawSocket> {
  const s = await rawSocket(port, opts)
  sockets.push(s)
  s.socket.write(head)
  trickle(s, 300)
  return s
}

describe('stalled requests from strangers', () => {
  it('cannot hold sockets past the header and body deadlines, and other clients are answered meanwhile', async () => {
    const { s, port } = await start({ CONNECTIONS_PER_IP_MAX: '2000' })
    const before = await taskCount(s)
    const baseline = await timed(() => fetch(`${s.url}/v1/tasks`, { headers: bearer() }).then(async (r) => { await r.arrayBuffer(); return r.status }))

    const body = (path: string, auth = ''): string => `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${auth}Content-Length: 60000\r\n\r\n{`
    const stalled: { kind: string, s: RawSocket }[] = []
    for (let i = 0; i < 300; i++) {
      const kind = ['no route', 'no credentials', 'authenticated', 'headers'][i % 4]!
      const head = kind === 'no route'
        ? body('/anything')
        : kind === 'no credentials'
          ? body('/v1/tasks/text-to-speech')
          : kind === 'authenticated'
            ? body('/v1/tasks/text-to-speech', `Authorization: Bearer ${ALICE.key}\r\n`)
            : 'POST /v1/tasks/text-to-speech HTTP/1.1\r\nHost: x\r\nX-Slow: '
      stalled.push({ kind, s: await open(port, head) })
    }

    // Another client, meanwhile: answered as usual, every time.
    for (let i = 0; i < 10; i++) {
      const { ms, value } = await timed(() => fetch(`${s.url}/v1/tasks`, { headers: bearer() }).then(async (r) => { await r.arrayBuffer(); return r.status }))
      expect(value).toBe(200)
      expect(ms).toBeLessThan(Math.max(1_000, baseline.ms * 20))
    }

    const lifetimes = await Promise.all(stalled.map(async ({ kind, s }) => ({ kind, ms: await s.closed, text: s.received() })))
    // Closed by the deadlines (checked every second), not by the client.
    for (const { kind, ms, text } of lifetimes) {
      expect(ms, kind).toBeLessThan(BODY_MS + 3_000)
      if (kind === 'no route') expect(text).toMatch(/^HTTP\/1.1 404/)
      // Failed authentications count against the per-IP limit: 401 first, then 429.
      if (kind === 'no credentials') expect(text).toMatch(/^HTTP\/1.1 (401|429)/)
      if (kind === 'no route' || kind === 'no credentials') expect(text).toMatch(/connection: close/i)
      if (kind === 'authenticated') expect(text).toMatch(/^HTTP\/1.1 408/)
    }
    // Refused ones are closed at once, the rest at their deadline.
    const refused = lifetimes.filter((l) => l.kind === 'no route' || l.kind === 'no credentials')
    expect(Math.max(...refused.map((l) => l.ms))).toBeLessThan(HEADERS_MS)
    expect(Math.min(...lifetimes.filter((l) => l.kind === 'authenticated').map((l) => l.ms))).toBeGreaterThanOrEqual(BODY_MS - 100)
    expect(await taskCount(s)).toBe(before)
  }, 30_000)

  it('refuses connections over the per-address cap at once, while other addresses are served', async () => {
    const { s, port } = await start({ CONNECTIONS_PER_IP_MAX: '20' })
    const held = await Promise.all(Array.from({ length: 20 }, async () => open(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ')))
    const over = await Promise.all(Array.from({ length: 10 }, async () => { const r = await rawSocket(port); sockets.push(r); return r }))
    for (const r of over) expect(await r.closed).toBeLessThan(1_000)
    for (const r of over) expect(r.received()).toBe('')
    // Another address is its own budget (all of 127.0.0.0/8 is loopback on Linux).
    const other = await rawSocket(port, { localAddress: '127.0.0.2' })
    sockets.push(other)
    other.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    await other.closed
    expect(other.received()).toMatch(/^HTTP\/1.1 200/)
    for (const h of held) expect(h.socket.destroyed).toBe(false)
    expect(s.url).toBeTruthy()
  }, 30_000)

  it('caps connections in total', async () => {
    const { port } = await start({ CONNECTIONS_MAX: '15' })
    // The stack's own fetches may hold a keep-alive socket or two; fill up the rest.
    const held: RawSocket[] = []
    for (let i = 0; i < 15; i++) held.push(await open(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: '))
    const extra = await rawSocket(port, { localAddress: '127.0.0.3' })
    sockets.push(extra)
    expect(await extra.closed).toBeLessThan(1_000)
    expect(extra.received()).toBe('')
  }, 30_000)
})

describe('request deadline', () => {
  it('answers a slow non-streaming request with 503, and leaves event streams open past it', async () => {
    // Answers after the deadline, so the close that drains in-flight creates still finishes.
    const gateway = { createTask: async () => await new Promise<string>((resolve) => setTimeout(() => resolve('up-slow'), 1_000)), getTask: async () => ({ status: 1 }), close: async () => {} }
    const app = await buildApp({ config: testConfig({ REQUEST_TIMEOUT_MS: '300', SSE_HEARTBEAT_MS: '100' }), logger: false, gateway })
    const url = await app.listen({ host: '127.0.0.1', port: 0 })
    try {
      const sse = await openSse(`${url}/v1/events`, bearer())
      const slow = await timed(() => fetch(`${url}/v1/tasks/text-to-speech`, { method: 'POST', headers: { ...bearer(), 'content-type': 'application/json' }, body: '{"text":"hi"}' }))
      expect(slow.value.status).toBe(503)
      expect(((await slow.value.json()) as { code: string }).code).toBe('BFF_ERR_REQUEST_TIMEOUT')
      expect(slow.ms).toBeGreaterThanOrEqual(250)
      // Well past the deadline, the stream still gets its heartbeats.
      const beatsBefore = sse.frames.filter((f) => f.comments.includes('heartbeat')).length
      await sse.waitFor(() => sse.frames.filter((f) => f.comments.includes('heartbeat')).length >= beatsBefore + 5)
      sse.close()
    } finally {
      await dropClientConnections()
      await app.close()
    }
  })
})
