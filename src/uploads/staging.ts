import type { DataStore, Locker, Upload } from '@tus/utils'
import type { MediaObject, PutOptions } from '../media/types.ts'

/**
 * Where unfinished uploads wait for their last byte: this instance's disk (embedded mode) or the
 * shared media store with its state in Redis (distributed mode, so a resume may reach any
 * instance). Either way a finished upload is published into the media store.
 */
export interface Staging {
  datastore: DataStore
  /** Keeps two requests from writing one upload at once (across instances when shared). */
  locker: Locker
  /** True when every instance sees these uploads: their sweep runs on one instance at a time. */
  shared: boolean
  /** Runs `fn` as the owner's only upload creation at a time, so quota checks cannot race. */
  exclusive: <T>(owner: string, fn: () => Promise<T>) => Promise<T>
  get: (id: string) => Promise<Upload | undefined>
  list: () => Promise<Upload[]>
  ofOwner: (owner: string) => Promise<Upload[]>
  /** Up to `bytes` from the start of the upload. */
  head: (id: string, bytes: number) => Promise<Buffer>
  /** Copies a finished upload into the media store under `key`; the staged copy stays until `remove`. */
  publish: (id: string, key: string, opts: Omit<PutOptions, 'maxBytes'>) => Promise<MediaObject>
  remove: (id: string) => Promise<void>
  /** Bytes of the upload stored so far. */
  storedBytes: (id: string) => Promise<number>
  close: () => Promise<void>
}

/** Collects a short stream (a file's head) into one buffer. */
export async function collect (body: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of body) chunks.push(chunk)
  return Buffer.concat(chunks)
}
