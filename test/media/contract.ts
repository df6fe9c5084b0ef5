import { createReadStream } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { text } from 'node:stream/consumers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MediaTooLargeError, type MediaObject, type MediaStore } from '../../src/media/types.ts'

export type OpenStore = () => Promise<{ store: MediaStore, close: () => Promise<void> }>

const chunks = (...parts: string[]): Readable => Readable.from(parts.map((p) => Buffer.from(p)))

/** The behaviour every MediaStore backend must have. */
export function runMediaStoreContract (name: string, open: OpenStore): void {
  describe(`media store contract: ${name}`, () => {
    let store: MediaStore
    let close: () => Promise<void>
    let scratch: string
    beforeAll(async () => {
      ({ store, close } = await open())
      scratch = await mkdtemp(join(tmpdir(), 'bff-media-src-'))
    })
    afterAll(async () => {
      await close()
      await rm(scratch, { recursive: true, force: true })
    })

    it('stores a stream and reads it back with its facts', async () => {
      const put = await store.put('c/one.txt', chunks('hello ', 'world'), { contentType: 'text/plain', maxBytes: 100, expiresAt: 1234, meta: { owner: 'ålice' } })
      expect(put).toMatchObject({ key: 'c/one.txt', size: 11 })
      expect(await store.stat('c/one.txt')).toEqual({ key: 'c/one.txt', size: 11, contentType: 'text/plain', expiresAt: 1234, meta: { owner: 'ålice' } })
      const read = await store.read('c/one.txt')
      expect(await text(read!.body)).toBe('hello world')
    })

    it('reads a byte range', async () => {
      await store.put('c/range.bin', Buffer.from('0123456789'), { contentType: 'application/octet-stream', maxBytes: 100 })
      const read = await store.read('c/range.bin', { start: 2, end: 5 })
      expect(read!.object.size).toBe(10)
      expect(read!.range).toEqual({ start: 2, end: 5 })
      expect(await text(read!.body)).toBe('2345')
    })

    it('refuses a body past its limit while it streams, and keeps nothing', async () => {
      let pulled = 0
      const endless = new Readable({ read () { pulled++; this.push(Buffer.alloc(1024)) } })
      await expect(store.put('c/big.bin', endless, { contentType: 'video/mp4', maxBytes: 10_000 })).rejects.toBeInstanceOf(MediaTooLargeError)
      expect(pulled).toBeLessThan(100)
      expect(await store.stat('c/big.bin')).toBeNull()
    })

    it('adopts a finished local file, leaving the source to its owner', async () => {
      const src = join(scratch, 'finished')
      await writeFile(src, 'adopted bytes')
      await store.adopt('c/adopted', src, { contentType: 'video/mp4', meta: { owner: 'bob' } })
      await rm(src)
      expect(await text((await store.read('c/adopted'))!.body)).toBe('adopted bytes')
    })

    it('answers null for what does not exist, and deletes', async () => {
      expect(await store.stat('c/missing')).toBeNull()
      expect(await store.read('c/missing')).toBeNull()
      await store.put('c/gone', Buffer.from('x'), { contentType: 'text/plain', maxBytes: 10 })
      expect(await store.delete('c/gone')).toBe(true)
      expect(await store.delete('c/gone')).toBe(false)
      expect(await store.stat('c/gone')).toBeNull()
    })

    it('lists what is under a prefix, with expiry, so a sweep can find expired objects', async () => {
      await store.put('l/a/1', Buffer.from('a'), { contentType: 'text/plain', maxBytes: 10, expiresAt: 1 })
      await store.put('l/a/2', Buffer.from('bb'), { contentType: 'text/plain', maxBytes: 10, expiresAt: null })
      await store.put('l/b/3', Buffer.from('ccc'), { contentType: 'text/plain', maxBytes: 10 })
      const seen: MediaObject[] = []
      for await (const o of store.list('l/a/')) seen.push(o)
      expect(seen.map((o) => [o.key, o.size, o.expiresAt]).sort()).toEqual([['l/a/1', 1, 1], ['l/a/2', 2, null]])
    })

    it('rejects keys that could leave its root', async () => {
      await expect(store.put('../escape', Buffer.from('x'), { contentType: 'text/plain', maxBytes: 10 })).rejects.toThrow(/invalid media key/)
      await expect(store.stat('a/../../b')).rejects.toThrow(/invalid media key/)
    })

    it('streams a large file in and out without changing a byte', async () => {
      const src = join(scratch, 'large')
      const block = Buffer.alloc(1 << 20, 7)
      await writeFile(src, Buffer.concat([block, block, block, Buffer.from('end')]))
      await store.put('c/large', createReadStream(src), { contentType: 'video/mp4', maxBytes: 4 << 20 })
      const tail = await store.read('c/large', { start: 3 << 20, end: (3 << 20) + 2 })
      expect(await text(tail!.body)).toBe('end')
      expect((await store.stat('c/large'))!.size).toBe((3 << 20) + 3)
    })
  })
}
