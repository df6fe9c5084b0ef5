import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createPreflight, DEFAULT_ACCEPT, type Preflight, type Resolver } from '../../src/security/preflight.ts'
import { PRIVATE_ADDRESS_REASON } from '../../src/security/url-policy.ts'

// Only loopback is ever connected to: fake hostnames resolve through an injected resolver, and
// the ones mapped to non-loopback addresses must be refused before any connection.
const MAX_BYTES = 10_000
let server: Server
let base: string
let port: number
let preflight: Preflight
let hits: { method: string, url: string, range?: string }[] = []
const hanging: ServerResponse[] = []
const resolved: string[] = []
let rebindCalls = 0

const resolver: Resolver = async (host) => {
  resolved.push(host)
  if (host === 'media.test') return ['127.0.0.1']
  if (host === 'internal.test') return ['10.0.0.1']
  if (host === 'mixed.test') return ['93.184.216.34', '192.168.0.10']
  if (host === 'rebind.test') return ++rebindCalls === 1 ? ['93.184.216.34'] : ['127.0.0.1']
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' })
}

function routes (method: string, path: string, res: ServerResponse, range?: string): void {
  const send = (status: number, headers: Record<string, string | number>, body = ''): void => { res.writeHead(status, headers).end(method === 'HEAD' ? '' : body) }
  const chain = /^\/chain\/(\d+)$/.exec(path)
  if (chain) {
    const n = Number(chain[1])
    return n === 0 ? send(200, { 'content-type': 'video/mp4' }) : send(302, { location: `/chain/${n - 1}` })
  }
  switch (path) {
    case '/video.mp4': return send(200, { 'content-type': 'video/mp4', 'content-length': 5000 })
    case '/video-params.mp4': return send(200, { 'content-type': 'Video/MP4; codecs="avc1.42E01E"', 'content-length': 5000 })
    case '/image.png': return send(200, { 'content-type': 'image/png', 'content-length': 100 })
    case '/page.html': return send(200, { 'content-type': 'text/html; charset=utf-8' })
    case '/untyped': return send(200, {})
    case '/big.mp4': return send(200, { 'content-type': 'video/mp4', 'content-length': MAX_BYTES + 1 })
    case '/missing.mp4': return send(404, { 'content-type': 'text/plain' })
    case '/hang.mp4': hanging.push(res); return
    case '/to-video': return send(301, { location: '/video.mp4' })
    case '/to-private': return send(302, { location: 'https://internal.test/x.mp4' })
    case '/to-literal': return send(307, { location: 'https://169.254.169.254/latest/meta-data/' })
    case '/to-http': return send(302, { location: 'http://example.com/x.mp4' })
    case '/redirect-without-location': return send(302, {})
    case '/presigned.mp4':
      if (method === 'HEAD') return send(403, {})
      return range === 'bytes=0-0'
        ? send(206, { 'content-type': 'video/mp4', 'content-range': 'bytes 0-0/5000', 'content-length': 1 }, 'x')
        : send(403, {})
    case '/presigned-big.mp4':
      if (method === 'HEAD') return send(405, {})
      return send(206, { 'content-type': 'video/mp4', 'content-range': `bytes 0-0/${MAX_BYTES * 10}`, 'content-length': 1 }, 'x')
    case '/ignores-range.mp4':
      // HEAD refused, then the whole file streamed without end: the check must not wait for it.
      if (method === 'HEAD') return send(405, {})
      res.writeHead(200, { 'content-type': 'video/mp4' }).write(Buffer.alloc(256 * 1024))
      hanging.push(res)
      return
    default: return send(404, {})
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push({ method: req.method ?? '', url: req.url ?? '', ...(req.headers.range ? { range: req.headers.range } : {}) })
    routes(req.method ?? '', req.url ?? '', res, req.headers.range)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
  base = `http://127.0.0.1:${port}`
  // Generous for loopback answers so a busy CI machine does not flake; the hang test uses its own.
  preflight = createPreflight({
    timeoutMs: 3000,
    maxBytes: MAX_BYTES,
    accept: DEFAULT_ACCEPT,
    policy: { httpAllowHosts: [`127.0.0.1:${port}`, `media.test:${port}`] },
    resolve: resolver
  })
})

afterAll(async () => {
  for (const res of hanging) res.destroy()
  await preflight.close()
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

beforeEach(() => {
  hits = []
  resolved.length = 0
})

describe('preflight', () => {
  it.each([
    ['/video.mp4', 'video'],
    ['/video-params.mp4', 'video'],
    ['/image.png', 'image'],
    ['/to-video', 'video'],
    ['/chain/3', 'video']
  ] as const)('accepts %s as %s', async (path, kind) => {
    expect(await preflight.check(`${base}${path}`, kind)).toBeNull()
  })

  it('sends HEAD and never GET when HEAD works', async () => {
    await preflight.check(`${base}/video.mp4`, 'video')
    expect(hits).toEqual([{ method: 'HEAD', url: '/video.mp4' }])
  })

  it('rejects the wrong content type, naming what was served', async () => {
    expect(await preflight.check(`${base}/page.html`, 'video')).toMatch(/^is not a supported video file \(got text\/html\); expected video\/mp4/)
    expect(await preflight.check(`${base}/image.png`, 'video')).toMatch(/got image\/png/)
    expect(await preflight.check(`${base}/video.mp4`, 'image')).toMatch(/^is not a supported image file/)
    expect(await preflight.check(`${base}/untyped`, 'video')).toMatch(/^is not a supported video file; expected/)
  })

  it('rejects a file larger than maxBytes', async () => {
    expect(await preflight.check(`${base}/big.mp4`, 'video')).toBe(`is larger than ${MAX_BYTES} bytes`)
  })

  it('rejects a non-2xx answer', async () => {
    expect(await preflight.check(`${base}/missing.mp4`, 'video')).toBe('could not be fetched (HTTP 404)')
    expect(await preflight.check(`${base}/redirect-without-location`, 'video')).toBe('could not be fetched (HTTP 302)')
  })

  it('gives up when the server never answers', async () => {
    const p = createPreflight({ timeoutMs: 300, maxBytes: MAX_BYTES, accept: DEFAULT_ACCEPT, policy: { httpAllowHosts: ['127.0.0.1'] } })
    const started = Date.now()
    try {
      expect(await p.check(`${base}/hang.mp4`, 'video')).toBe('could not be reached in time')
      expect(Date.now() - started).toBeLessThan(2000)
    } finally {
      await p.close()
    }
  })

  it('reports a refused connection as unreachable', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const closedPort = (closed.address() as AddressInfo).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    const p = createPreflight({ timeoutMs: 3000, maxBytes: MAX_BYTES, accept: DEFAULT_ACCEPT, policy: { httpAllowHosts: ['127.0.0.1'] }, resolve: resolver })
    try {
      expect(await p.check(`http://127.0.0.1:${closedPort}/video.mp4`, 'video')).toBe('could not be reached')
    } finally {
      await p.close()
    }
  })

  it('falls back to a one-byte ranged GET when HEAD is refused, sizing from Content-Range', async () => {
    expect(await preflight.check(`${base}/presigned.mp4`, 'video')).toBeNull()
    expect(hits).toEqual([{ method: 'HEAD', url: '/presigned.mp4' }, { method: 'GET', url: '/presigned.mp4', range: 'bytes=0-0' }])
    expect(await preflight.check(`${base}/presigned-big.mp4`, 'video')).toBe(`is larger than ${MAX_BYTES} bytes`)
  })

  it('stops reading when a server ignores the Range of the fallback GET', async () => {
    const started = Date.now()
    expect(await preflight.check(`${base}/ignores-range.mp4`, 'video')).toBeNull()
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('refuses a redirect to a host that resolves to a private address, without connecting', async () => {
    expect(await preflight.check(`${base}/to-private`, 'video')).toBe(`redirects to a URL that ${PRIVATE_ADDRESS_REASON}`)
    expect(resolved).toEqual(['internal.test'])
    expect(hits).toEqual([{ method: 'HEAD', url: '/to-private' }])
  })

  it('refuses redirects to private literals and to URLs the policy rejects', async () => {
    expect(await preflight.check(`${base}/to-literal`, 'video')).toBe(`redirects to a URL that ${PRIVATE_ADDRESS_REASON}`)
    expect(await preflight.check(`${base}/to-http`, 'video')).toBe('redirects to a URL that must use https')
    expect(resolved).toEqual([])
  })

  it('follows at most 3 redirects', async () => {
    expect(await preflight.check(`${base}/chain/4`, 'video')).toBe('redirects more than 3 times')
    expect(hits.map((h) => h.url)).toEqual(['/chain/4', '/chain/3', '/chain/2', '/chain/1'])
  })

  it('refuses a start URL whose host resolves to any private address', async () => {
    expect(await preflight.check('https://internal.test/x.mp4', 'video')).toBe(PRIVATE_ADDRESS_REASON)
    expect(await preflight.check('https://mixed.test/x.mp4', 'video')).toBe(PRIVATE_ADDRESS_REASON)
    expect(hits).toEqual([])
  })

  it('re-checks addresses at connect time, closing the DNS-rebinding window', async () => {
    rebindCalls = 0
    expect(await preflight.check(`https://rebind.test:${port}/video.mp4`, 'video')).toBe(PRIVATE_ADDRESS_REASON)
    expect(rebindCalls).toBe(2)
    expect(hits).toEqual([])
  })

  it('connects through the injected resolver for allow-listed hostnames', async () => {
    expect(await preflight.check(`http://media.test:${port}/video.mp4`, 'video')).toBeNull()
    expect(resolved).toContain('media.test')
    expect(hits).toEqual([{ method: 'HEAD', url: '/video.mp4' }])
  })

  it('reports an unresolvable host as unreachable', async () => {
    expect(await preflight.check('https://nowhere.test/x.mp4', 'video')).toBe('could not be reached')
  })

  it('applies the URL policy to the start URL', async () => {
    expect(await preflight.check('file:///etc/passwd', 'video')).toBe('must use https')
    expect(await preflight.check('https://10.0.0.1/x.mp4', 'video')).toBe(PRIVATE_ADDRESS_REASON)
    expect(hits).toEqual([])
  })
})
