import type { Redis } from 'ioredis'
import type { MediaStore } from '../media/types.ts'
import type { RedisKeys } from '../store/redis-keys.ts'
import { createRedisLocker } from './redis-locker.ts'
import { createRedisUploadState } from './shared-state.ts'
import { SharedUploadStore } from './shared-store.ts'
import { collect, type Staging } from './staging.ts'

export interface SharedStagingOptions {
  media: MediaStore
  redis: { commands: Redis, subscriber: Redis }
  keys: RedisKeys
  expirationMs: number
  partBytes?: number
  onError?: (err: unknown) => void
}

/** Distributed mode: unfinished uploads in the shared media store, their state and locks in Redis. */
export function createSharedStaging (opts: SharedStagingOptions): Staging {
  const { media } = opts
  const state = createRedisUploadState(opts.redis.commands, opts.keys)
  const datastore = new SharedUploadStore({ media, state, expirationMs: opts.expirationMs, ...(opts.partBytes ? { partBytes: opts.partBytes } : {}) })
  const locker = createRedisLocker({ ...opts.redis, keys: opts.keys, ...(opts.onError ? { onError: opts.onError } : {}) })
  return {
    datastore,
    locker,
    shared: true,
    exclusive: (owner, fn) => locker.exclusive(`create:${owner}`, fn),
    get: state.get,
    list: state.list,
    ofOwner: state.ofOwner,
    head: async (id, bytes) => collect(datastore.body(id, bytes)),
    async publish (id, key, o) {
      const upload = await datastore.getUpload(id)
      return media.put(key, datastore.body(id), { ...o, maxBytes: upload.size ?? upload.offset })
    },
    remove: (id) => datastore.remove(id),
    storedBytes: (id) => datastore.storedBytes(id),
    close: () => locker.close()
  }
}
