import { Upload } from '@tus/utils'
import type { Redis } from 'ioredis'
import type { RedisKeys } from '../store/redis-keys.ts'

/** One stored piece of an unfinished upload, in order. */
export interface StagedPart { key: string, size: number }

/**
 * What every instance knows about the unfinished uploads: size, metadata (owner included) and
 * creation time, the offset reached and the parts stored so far. The bytes are elsewhere.
 */
export interface UploadState {
  create: (upload: Upload) => Promise<void>
  get: (id: string) => Promise<Upload | undefined>
  parts: (id: string) => Promise<StagedPart[]>
  /** Records a stored part if the upload is still at offset `from`; false when it moved on or is gone. */
  append: (id: string, from: number, part: StagedPart) => Promise<boolean>
  remove: (id: string) => Promise<void>
  list: () => Promise<Upload[]>
  ofOwner: (owner: string) => Promise<Upload[]>
}

type UploadKeys = Pick<RedisKeys, 'upload' | 'uploadParts' | 'uploads' | 'ownerUploads'>

interface Info { id: string, size?: number, metadata?: Record<string, string | null>, creation_date?: string }

// The offset moves only with the part that carries it there, and only from where the writer began.
const APPEND = `
if redis.call('hget', KEYS[1], 'offset') ~= ARGV[1] then return 0 end
redis.call('hset', KEYS[1], 'offset', ARGV[2])
redis.call('rpush', KEYS[2], ARGV[3])
return 1`

export function createRedisUploadState (redis: Redis, keys: UploadKeys): UploadState {
  const toUpload = (info: string | null, offset: string | null): Upload | undefined => {
    if (info === null || offset === null) return undefined
    return new Upload({ ...(JSON.parse(info) as Info), offset: Number(offset) })
  }

  async function many (ids: string[]): Promise<Upload[]> {
    if (ids.length === 0) return []
    const pipe = redis.pipeline()
    for (const id of ids) pipe.hmget(keys.upload(id), 'info', 'offset')
    const rows = (await pipe.exec()) ?? []
    return rows.map(([err, row]) => {
      if (err) throw err
      const [info, offset] = row as [string | null, string | null]
      return toUpload(info, offset)
    }).filter((u): u is Upload => u !== undefined)
  }

  async function get (id: string): Promise<Upload | undefined> {
    const [info, offset] = await redis.hmget(keys.upload(id), 'info', 'offset')
    return toUpload(info ?? null, offset ?? null)
  }

  return {
    async create (upload) {
      const info: Info = { id: upload.id, ...(upload.size === undefined ? {} : { size: upload.size }), ...(upload.metadata ? { metadata: upload.metadata } : {}), ...(upload.creation_date ? { creation_date: upload.creation_date } : {}) }
      const created = upload.creation_date ? Date.parse(upload.creation_date) : Date.now()
      const multi = redis.multi()
        .hset(keys.upload(upload.id), 'info', JSON.stringify(info), 'offset', String(upload.offset))
        .zadd(keys.uploads, created, upload.id)
      const owner = upload.metadata?.owner
      if (owner) multi.sadd(keys.ownerUploads(owner), upload.id)
      await multi.exec()
    },
    get,
    async parts (id) {
      return (await redis.lrange(keys.uploadParts(id), 0, -1)).map((entry) => {
        const [key, size] = entry.split(' ')
        return { key: key!, size: Number(size) }
      })
    },
    async append (id, from, part) {
      const done = await redis.eval(APPEND, 2, keys.upload(id), keys.uploadParts(id), String(from), String(from + part.size), `${part.key} ${part.size}`)
      return done === 1
    },
    async remove (id) {
      const owner = (await get(id))?.metadata?.owner
      const multi = redis.multi().del(keys.upload(id), keys.uploadParts(id)).zrem(keys.uploads, id)
      if (owner) multi.srem(keys.ownerUploads(owner), id)
      await multi.exec()
    },
    list: async () => many(await redis.zrange(keys.uploads, 0, -1)),
    ofOwner: async (owner) => many(await redis.smembers(keys.ownerUploads(owner)))
  }
}
