import { describe, expect, it } from 'vitest'
import { sniff } from '../../src/media/sniff.ts'

const bytes = (...parts: (string | number[])[]): Buffer => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))).concat(Buffer.alloc(48)))

describe('sniff', () => {
  it.each([
    ['MP4', bytes([0, 0, 0, 0x20], 'ftypisom'), 'video/mp4'],
    ['MOV', bytes([0, 0, 0, 0x14], 'ftypqt  '), 'video/quicktime'],
    ['old MOV', bytes([0, 0, 0, 0x08], 'wide'), 'video/quicktime'],
    ['WebM', bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x84], 'webm'), 'video/webm'],
    ['MKV', bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x88], 'matroska'), 'video/x-matroska'],
    ['PNG', bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), 'image/png'],
    ['JPEG', bytes([0xff, 0xd8, 0xff, 0xe0]), 'image/jpeg'],
    ['WebP', bytes('RIFF', [1, 2, 3, 4], 'WEBPVP8 '), 'image/webp']
  ])('recognises %s', (_name, head, type) => {
    expect(sniff(head)?.contentType).toBe(type)
  })

  it.each([
    ['HTML', bytes('<!doctype html><html>')],
    ['SVG', bytes('<svg xmlns="http://www.w3.org/2000/svg">')],
    ['ZIP', bytes('PK', [3, 4])],
    ['GIF', bytes('GIF89a')],
    ['a truncated PNG signature', Buffer.from([0x89, 0x50, 0x4e, 0x47])]
  ])('refuses %s', (_name, head) => {
    expect(sniff(head)).toBeNull()
  })
})
