import { describe, expect, it } from 'vitest'
import { BffError } from '../../src/errors.ts'
import { assertMediaUrls, checkMediaUrl, isPrivateAddress, PRIVATE_ADDRESS_REASON, type UrlPolicy } from '../../src/security/url-policy.ts'
import { mediaValues } from '../../src/tasks/media-fields.ts'

const STRICT: UrlPolicy = { httpAllowHosts: [] }
const PRIVATE = PRIVATE_ADDRESS_REASON

describe('checkMediaUrl', () => {
  it.each([
    ['https://example.com/video.mp4'],
    ['https://cdn.example.com:8443/a/b.png?sig=abc#frag'],
    ['HTTPS://EXAMPLE.COM/x.jpg'],
    ['https://93.184.216.34/video.mp4'],
    ['https://[2606:4700::6810:84e5]/video.mp4'],
    ['https://[::ffff:93.184.216.34]/video.mp4'],
    ['https://localhost.example.com/x.png'],
    ['https://10.example.com/x.png'],
    [`https://example.com/${'a'.repeat(2048 - 'https://example.com/'.length)}`]
  ])('allows %s', (url) => {
    expect(checkMediaUrl(url, STRICT)).toBeNull()
  })

  it.each([
    ['http://example.com/video.mp4', 'must use https'],
    ['file:///etc/passwd', 'must use https'],
    ['javascript:alert(1)', 'must use https'],
    ['data:image/png;base64,AAAA', 'must use https'],
    ['ftp://example.com/x.mp4', 'must use https'],
    ['gopher://example.com/', 'must use https'],
    ['ws://example.com/', 'must use https'],
    ['not a url', 'must be a valid URL'],
    ['/relative/path.mp4', 'must be a valid URL'],
    ['https://user:pass@example.com/x.mp4', 'must not contain credentials'],
    ['https://user@example.com/x.mp4', 'must not contain credentials'],
    ['https://:secret@example.com/x.mp4', 'must not contain credentials'],
    ['https://example.com\\@127.0.0.1/', 'must not contain control characters or backslashes'],
    ['https://exa\tmple.com/', 'must not contain control characters or backslashes'],
    ['https://example.com/\nx', 'must not contain control characters or backslashes'],
    [`https://example.com/${'a'.repeat(2049 - 'https://example.com/'.length)}`, 'must be at most 2048 characters'],
    ['https://localhost/x.mp4', 'must not point to localhost'],
    ['https://LOCALHOST:8443/x.mp4', 'must not point to localhost'],
    ['https://localhost./x.mp4', 'must not point to localhost'],
    ['https://media.localhost/x.mp4', 'must not point to localhost'],
    ['https://127.0.0.1/x.mp4', PRIVATE],
    ['https://127.255.255.254/x.mp4', PRIVATE],
    ['https://10.1.2.3/x.mp4', PRIVATE],
    ['https://172.16.0.1/x.mp4', PRIVATE],
    ['https://172.31.255.255/x.mp4', PRIVATE],
    ['https://192.168.1.1/x.mp4', PRIVATE],
    ['https://169.254.169.254/latest/meta-data/', PRIVATE],
    ['https://100.64.0.1/x.mp4', PRIVATE],
    ['https://0.0.0.0/x.mp4', PRIVATE],
    ['https://0/x.mp4', PRIVATE],
    ['https://224.0.0.1/x.mp4', PRIVATE],
    ['https://255.255.255.255/x.mp4', PRIVATE],
    ['https://2130706433/x.mp4', PRIVATE],
    ['https://0x7f.1/x.mp4', PRIVATE],
    ['https://0x7f000001/x.mp4', PRIVATE],
    ['https://017700000001/x.mp4', PRIVATE],
    ['https://127.1/x.mp4', PRIVATE],
    ['https://127.0.0.1./x.mp4', PRIVATE],
    ['https://[::1]/x.mp4', PRIVATE],
    ['https://[::]/x.mp4', PRIVATE],
    ['https://[::ffff:127.0.0.1]/x.mp4', PRIVATE],
    ['https://[::ffff:7f00:1]/x.mp4', PRIVATE],
    ['https://[::ffff:10.0.0.1]/x.mp4', PRIVATE],
    ['https://[fe80::1]/x.mp4', PRIVATE],
    ['https://[fc00::1]/x.mp4', PRIVATE],
    ['https://[fd12:3456::1]/x.mp4', PRIVATE],
    ['https://[ff02::1]/x.mp4', PRIVATE],
    ['https://[2002:a00:1::]/x.mp4', PRIVATE],
    ['https://[64:ff9b::a9fe:a9fe]/x.mp4', PRIVATE]
  ])('rejects %s', (url, reason) => {
    expect(checkMediaUrl(url, STRICT)).toBe(reason)
  })

  describe('with an allow-list', () => {
    it.each([
      ['127.0.0.1:4010', 'http://127.0.0.1:4010/media/a.mp4', null],
      ['127.0.0.1', 'http://127.0.0.1:4010/media/a.mp4', null],
      ['127.0.0.1', 'https://127.0.0.1/a.mp4', null],
      ['127.0.0.1:4010', 'http://127.0.0.1:4011/media/a.mp4', 'must use https'],
      ['127.0.0.1:4010', 'https://127.0.0.1:4011/media/a.mp4', PRIVATE],
      ['127.0.0.1:4010', 'http://2130706433:4010/a.mp4', null],
      ['localhost', 'http://localhost:3000/a.mp4', null],
      ['sim.localhost', 'http://sim.localhost/a.mp4', null],
      ['sim.localhost', 'http://other.localhost/a.mp4', 'must use https'],
      ['media.internal:80', 'http://media.internal/a.mp4', null],
      ['[::1]', 'http://[::1]:4010/a.mp4', null],
      ['::1', 'http://[::1]:4010/a.mp4', null],
      ['Media.Example.com', 'http://media.example.com/a.mp4', null],
      ['127.0.0.1', 'http://user:pw@127.0.0.1/a.mp4', 'must not contain credentials'],
      ['127.0.0.1', 'file://127.0.0.1/etc/passwd', 'must use https']
    ])('allow-list %s: %s', (allow, url, reason) => {
      expect(checkMediaUrl(url, { httpAllowHosts: [allow] })).toBe(reason)
    })
  })
})

describe('isPrivateAddress', () => {
  it.each([
    '127.0.0.1', '10.0.0.1', '172.16.5.4', '192.168.0.1', '169.254.1.1', '100.127.255.255', '0.1.2.3',
    '192.0.2.1', '198.18.0.1', '198.51.100.7', '203.0.113.9', '239.255.255.250', '240.0.0.1',
    '::1', '::', '::ffff:127.0.0.1', '::ffff:192.168.1.1', '::ffff:a9fe:a9fe', '[::1]', 'fe80::1%eth0',
    'fe80::1', 'febf::1', 'fc00::1', 'fdff:ffff::1', 'ff02::1', '::127.0.0.1', '2001:db8::1', '2001::1',
    '2002:7f00:1::1', '64:ff9b::127.0.0.1', '3fff::1', '100::1'
  ])('%s is private or reserved', (ip) => {
    expect(isPrivateAddress(ip)).toBe(true)
  })

  it.each([
    '93.184.216.34', '8.8.8.8', '1.1.1.1', '172.15.255.255', '172.32.0.0', '100.63.255.255', '100.128.0.0',
    '169.253.255.255', '192.169.0.1', '2606:4700::6810:84e5', '2a00:1450:4001:80b::200e', '::ffff:8.8.8.8',
    '64:ff9b::808:808', '2002:808:808::1', '2001:4860:4860::8888'
  ])('%s is public', (ip) => {
    expect(isPrivateAddress(ip)).toBe(false)
  })

  it.each(['example.com', '', '1.2.3', '::g'])('%s is not an address', (s) => {
    expect(isPrivateAddress(s)).toBe(false)
  })
})

describe('assertMediaUrls', () => {
  it('passes when every named field is fine or absent', () => {
    expect(() => assertMediaUrls(mediaValues({ imageUrl: 'https://example.com/a.png', prompt: 'http://ignored' }, { imageUrl: 'image', maskUrl: 'image' }), STRICT)).not.toThrow()
  })

  it('reports every failing field, the first one in the message', () => {
    let err: unknown
    try {
      assertMediaUrls(mediaValues({ firstFrameUrl: 'http://example.com/a.png', lastFrameUrl: 'https://10.0.0.1/b.png', other: 'file:///x' }, { firstFrameUrl: 'image', lastFrameUrl: 'image' }), STRICT)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(BffError)
    const bff = err as BffError
    expect(bff.code).toBe('BFF_ERR_VALIDATION')
    expect(bff.statusCode).toBe(400)
    expect(bff.message).toBe('body.firstFrameUrl: must use https')
    expect(bff.issues).toEqual([
      { path: 'body.firstFrameUrl', message: 'must use https' },
      { path: 'body.lastFrameUrl', message: PRIVATE }
    ])
  })

  it('rejects non-string values in named fields', () => {
    expect(() => assertMediaUrls(mediaValues({ videoUrl: 42 }, { videoUrl: 'video' }), STRICT)).toThrow(BffError)
  })

  it('checks each element of an array field like a single field, naming its index', () => {
    const values = mediaValues({ imageUrls: ['https://example.com/a.png', 'http://example.com/b.png', 'https://127.0.0.1/c.png'] }, { imageUrls: 'image' })
    expect(values.map((v) => v.path)).toEqual(['imageUrls.0', 'imageUrls.1', 'imageUrls.2'])
    let err: unknown
    try {
      assertMediaUrls(values, STRICT)
    } catch (e) {
      err = e
    }
    expect((err as BffError).issues).toEqual([
      { path: 'body.imageUrls.1', message: 'must use https' },
      { path: 'body.imageUrls.2', message: PRIVATE }
    ])
  })
})
