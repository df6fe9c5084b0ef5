import { randomBytes } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { Readable } from 'node:stream'
import { DataStore, ERRORS, type Upload } from '@tus/utils'
import type { MediaStore } from '../media/types.ts'
import { splitIntoFiles } from './part-files.ts'
import type { UploadState } from './shared-state.ts'
import { sniffedWrite } from './sniff-gate.ts'

/** Where the parts of unfinished uploads live in the media store, one folder per upload. */
export const UNFINISHED_PREFIX = 'unfinished/'

export interface SharedUploadStoreOptions {
  media: MediaStore
  state: UploadState
  expirationMs: number
  /** Largest part stored in one object; a request's bytes are cut into parts of this size. */
  partBytes?: number
}

const DEFAULT_PART_BYTES = 8 * 1024 * 1024

/**
 * A tus datastore every instance shares: the bytes as part objects in the media store (the S3
 * bucket), the state (offset, metadata, owner, parts) in Redis. It needs nothing of S3 beyond PUT,
 * GET, DELETE and listing, which every S3-compatible store (s3rver included) has; multipart uploads,
 * as @tus/s3-store uses, are not. Each part is written before the offset moves past it, and only
 * from the offset its writer started at, so a late writer (one whose lock ran out) cannot corrupt
 * an upload: its part is refused and deleted.
 */
export class SharedUploadStore extends DataStore {
  readonly #media: MediaStore
  readonly #state: UploadState
  readonly #expirationMs: number
  readonly #partBytes: number

  constructor (opts: SharedUploadStoreOptions) {
    super()
    this.#media = opts.media
    this.#state = opts.state
    this.#expirationMs = opts.expirationMs
    this.#partBytes = opts.partBytes ?? DEFAULT_PART_BYTES
    // Deferred lengths are advertised only so that our own refusal (a clear code) answers them.
    this.extensions = ['creation', 'creation-with-upload', 'creation-defer-length', 'termination', 'expiration']
  }

  override async create (upload: Upload): Promise<Upload> {
    upload.storage = { type: 'media', path: `${UNFINISHED_PREFIX}${upload.id}/` }
    await this.#state.create(upload)
    return upload
  }

  override async getUpload (id: string): Promise<Upload> {
    const upload = await this.#state.get(id)
    if (!upload) throw ERRORS.FILE_NOT_FOUND
    return upload
  }

  override async write (readable: IncomingMessage | Readable, id: string, offset: number): Promise<number> {
    return sniffedWrite(readable, offset, (body) => this.#append(body, id, offset), () => this.remove(id))
  }

  async #append (body: Readable, id: string, offset: number): Promise<number> {
    const upload = await this.getUpload(id)
    const created = upload.creation_date ? Date.parse(upload.creation_date) : Date.now()
    let at = offset
    await splitIntoFiles(body, this.#partBytes, async (path, size) => {
      // A random suffix: a late writer at the same offset must not overwrite the part that counts.
      const key = `${UNFINISHED_PREFIX}${id}/${at}-${randomBytes(6).toString('hex')}`
      // Expiring with the upload, so the sweep also finds parts whose recording never happened.
      await this.#media.adopt(key, path, { contentType: 'application/octet-stream', expiresAt: created + this.#expirationMs, meta: { upload: id } })
      if (!await this.#state.append(id, at, { key, size })) {
        await this.#media.delete(key).catch(() => {})
        throw ERRORS.INVALID_OFFSET
      }
      at += size
    })
    return at
  }

  override async remove (id: string): Promise<void> {
    for await (const part of this.#media.list(`${UNFINISHED_PREFIX}${id}/`)) await this.#media.delete(part.key)
    await this.#state.remove(id)
  }

  override async declareUploadLength (): Promise<void> {
    throw ERRORS.UNSUPPORTED_CREATION_DEFER_LENGTH_EXTENSION
  }

  override getExpiration (): number {
    return this.#expirationMs
  }

  /** The upload's bytes from the start, part after part, streamed from the media store. */
  body (id: string, limit = Infinity): Readable {
    const media = this.#media
    const state = this.#state
    return Readable.from((async function * () {
      let left = limit
      for (const part of await state.parts(id)) {
        if (left <= 0) return
        const end = Math.min(part.size, left) - 1
        const read = await media.read(part.key, end < part.size - 1 ? { start: 0, end } : undefined)
        if (!read) throw new Error(`part ${part.key} of upload ${id} is missing`)
        left -= end + 1
        yield * read.body
      }
    })())
  }

  /** Bytes stored so far (the parts recorded), for the sweep's account. */
  async storedBytes (id: string): Promise<number> {
    return (await this.#state.parts(id)).reduce((n, p) => n + p.size, 0)
  }
}
