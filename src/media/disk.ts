import { randomUUID } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { copyFile, link, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { byteLimit } from './limit.ts'
import { assertKey, type MediaObject, type MediaStore, type PutOptions } from './types.ts'

const SIDECAR = '.meta.json'
const TMP = '.tmp'

interface Sidecar { size: number, contentType: string, expiresAt: number | null, meta: Record<string, string> }

/** The embedded backend: files under one directory, each with a small JSON sidecar. */
export function createDiskMediaStore (root: string): MediaStore {
  const pathOf = (key: string): string => { assertKey(key); return join(root, key) }

  async function readSidecar (key: string): Promise<MediaObject | null> {
    try {
      const [text, info] = await Promise.all([readFile(pathOf(key) + SIDECAR, 'utf8'), stat(pathOf(key))])
      const s = JSON.parse(text) as Sidecar
      return { key, size: info.size, contentType: s.contentType, expiresAt: s.expiresAt, meta: s.meta }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw err
    }
  }

  // Data lands under its final name only when complete, so a reader never sees half a file.
  async function commit (key: string, tmp: string, opts: Omit<PutOptions, 'maxBytes'>, size: number): Promise<MediaObject> {
    const target = pathOf(key)
    await mkdir(dirname(target), { recursive: true })
    const sidecar: Sidecar = { size, contentType: opts.contentType, expiresAt: opts.expiresAt ?? null, meta: opts.meta ?? {} }
    await writeFile(target + SIDECAR, JSON.stringify(sidecar))
    await rename(tmp, target)
    return { key, size, contentType: sidecar.contentType, expiresAt: sidecar.expiresAt, meta: sidecar.meta }
  }

  async function tmpPath (): Promise<string> {
    await mkdir(join(root, TMP), { recursive: true })
    return join(root, TMP, randomUUID())
  }

  async function * walk (dir: string): AsyncGenerator<string> {
    let entries
    try {
      entries = await readdir(dir, { withFileTypes: true })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
      throw err
    }
    for (const e of entries) {
      if (e.name === TMP && dir === root) continue
      const full = join(dir, e.name)
      if (e.isDirectory()) yield * walk(full)
      else if (!e.name.endsWith(SIDECAR)) yield relative(root, full).split('\\').join('/')
    }
  }

  return {
    async put (key, body, opts) {
      pathOf(key)
      const tmp = await tmpPath()
      let size = 0
      try {
        const source = body instanceof Uint8Array ? Readable.from([body]) : body
        await pipeline(source, byteLimit(opts.maxBytes, (n) => { size = n }), createWriteStream(tmp))
        return await commit(key, tmp, opts, size)
      } catch (err) {
        await rm(tmp, { force: true })
        throw err
      }
    },
    async adopt (key, path, opts) {
      pathOf(key)
      const { size } = await stat(path)
      const tmp = await tmpPath()
      // A hard link costs nothing on the same file system; elsewhere the bytes are copied.
      await link(path, tmp).catch(async () => copyFile(path, tmp))
      return commit(key, tmp, opts, size)
    },
    stat: readSidecar,
    async read (key, range) {
      const object = await readSidecar(key)
      if (!object) return null
      const body = createReadStream(pathOf(key), range ? { start: range.start, end: range.end } : {})
      return { object, body, range: range ?? null }
    },
    async delete (key) {
      const existed = (await readSidecar(key)) !== null
      await rm(pathOf(key), { force: true })
      await rm(pathOf(key) + SIDECAR, { force: true })
      return existed
    },
    async * list (prefix) {
      const base = prefix.replace(/\/+$/, '')
      for await (const key of walk(base === '' ? root : pathOf(base))) {
        const object = await readSidecar(key)
        if (object) yield object
      }
    },
    presign: async () => null,
    close: async () => {}
  }
}
