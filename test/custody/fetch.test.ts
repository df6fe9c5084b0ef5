import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CopyError, createOutputFetcher, type OutputFetcher } from '../../src/custody/fetch.ts'

describe('the output fetcher', () => {
  let server: Server
  let base: string
  let fetcher: OutputFetcher
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/file') return res.writeHead(200, { 'content-type': 'audio/wav' }).end('RIFF....')
      if (req.url === '/hop') return res.writeHead(302, { location: '/file' }).end()
      if (req.url === '/away') return res.writeHead(302, { location: 'http://127.0.0.2:9/file' }).end()
      if (req.url === '/local') return res.writeHead(307, { location: 'https://localhost/file' }).end()
      if (req.url === '/big') return res.writeHead(200, { 'content-length': '5000' }).end(Buffer.alloc(5000))
      // A trickle: headers at once, then a byte now and then, never the end.
      res.writeHead(200, { 'content-type': 'video/mp4' })
      const timer = setInterval(() => res.write('x'), 50)
      res.on('close', () => { clearInterval(timer) })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`
    base = `http://${host}`
    fetcher = createOutputFetcher({ policy: { httpAllowHosts: [host] }, maxBytes: 1000, timeoutMs: 10_000 })
  })
  afterAll(async () => {
    await fetcher.close()
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })

  const failure = async (path: string, signal = AbortSignal.timeout(10_000)): Promise<CopyError> => {
    const err = await fetcher.open(`${base}${path}`, signal).then(() => null, (e: unknown) => e)
    expect(err).toBeInstanceOf(CopyError)
    return err as CopyError
  }

  it('follows a redirect to an allowed host and streams the body', async () => {
    const { body, contentType } = await fetcher.open(`${base}/hop`, AbortSignal.timeout(10_000))
    let text = ''
    for await (const chunk of body) text += String(chunk)
    expect([contentType, text]).toEqual(['audio/wav', 'RIFF....'])
  })

  it('never follows a redirect to a host the policy refuses', async () => {
    expect(await failure('/away')).toMatchObject({ permanent: true, message: 'it redirects to a URL that must use https' })
    expect(await failure('/local')).toMatchObject({ permanent: true, message: 'it redirects to a URL that must not point to localhost' })
  })

  it('refuses a declared length over the limit at once, and a trickle at the deadline', async () => {
    expect(await failure('/big')).toMatchObject({ permanent: true, message: 'the file is larger than 1000 bytes' })
    const signal = AbortSignal.timeout(300)
    const { body } = await fetcher.open(`${base}/slow`, signal)
    const drained = (async () => { for await (const _ of body) { /* reading until the deadline */ } })()
    await expect(drained).rejects.toThrow()
    expect(signal.aborted).toBe(true)
  })
})
