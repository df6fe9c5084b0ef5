import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { MemoryLocker } from '@tus/server'
import type { Upload } from '@tus/utils'
import type { MediaStore } from '../media/types.ts'
import { SniffingFileStore } from './sniffing-store.ts'
import { collect, type Staging } from './staging.ts'

/** Embedded mode: unfinished uploads as files under `dir` on this instance, locks in memory. */
export function createLocalStaging (media: MediaStore, dir: string, expirationMs: number): Staging {
  const datastore = new SniffingFileStore({ directory: dir, expirationPeriodInMilliseconds: expirationMs })
  const get = (id: string): Promise<Upload | undefined> => datastore.configstore.get(id).catch(() => undefined)
  async function list (): Promise<Upload[]> {
    const ids = await datastore.configstore.list?.() ?? []
    return (await Promise.all(ids.map(get))).filter((u): u is Upload => u !== undefined)
  }
  // One create per owner at a time, in this process. (A creation-with-upload holds the turn while
  // its body arrives; other owners are never held up.)
  const queues = new Map<string, Promise<unknown>>()
  function exclusive<T> (owner: string, fn: () => Promise<T>): Promise<T> {
    const next = (queues.get(owner) ?? Promise.resolve()).then(fn, fn)
    const tail = next.then(() => {}, () => {})
    queues.set(owner, tail)
    void tail.then(() => { if (queues.get(owner) === tail) queues.delete(owner) })
    return next
  }
  return {
    datastore,
    locker: new MemoryLocker(),
    shared: false,
    exclusive,
    get,
    list,
    ofOwner: async (owner) => (await list()).filter((u) => u.metadata?.owner === owner),
    head: async (id, bytes) => collect(createReadStream(join(dir, id), { start: 0, end: bytes - 1 })),
    publish: (id, key, opts) => media.adopt(key, join(dir, id), opts),
    remove: (id) => datastore.remove(id),
    storedBytes: (id) => stat(join(dir, id)).then((s) => s.size, () => 0),
    close: async () => {}
  }
}
