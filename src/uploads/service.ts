import { open, stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { join } from 'node:path'
import { Server, type ServerOptions } from '@tus/server'
import { EVENTS, type Upload } from '@tus/utils'
import { BffError, type ErrorCode } from '../errors.ts'
import { sniff, SNIFF_BYTES } from '../media/sniff.ts'
import type { MediaObject, MediaStore } from '../media/types.ts'
import { ownerPrefix, UPLOAD_ID, uploadKey } from './keys.ts'
import { SniffingFileStore } from './sniffing-store.ts'
import { TusRefusal } from './tus-error.ts'

export interface UploadLimits {
  maxBytes: number
  /** Bytes one owner may hold, finished uploads plus the declared size of unfinished ones. */
  quotaBytes: number
  maxInProgress: number
  unfinishedTtlMs: number
  finishedTtlMs: number
}

export interface UploadsOptions {
  media: MediaStore
  /** Local directory for unfinished uploads; finished ones are copied into the media store. */
  stagingDir: string
  limits: UploadLimits
  /** Where the tus route is mounted, e.g. /v1/uploads. */
  path: string
  corsOrigins: readonly string[]
  now: () => number
}

type TusRequest = Parameters<NonNullable<ServerOptions['onUploadCreate']>>[0]

export function createUploads (opts: UploadsOptions) {
  const { media, limits } = opts
  const datastore = new SniffingFileStore({ directory: opts.stagingDir, expirationPeriodInMilliseconds: limits.unfinishedTtlMs })
  // The authenticated owner of each request, handed from the route to tus's hooks.
  const owners = new WeakMap<IncomingMessage, string>()
  const ownerOf = (req: TusRequest): string => {
    const raw = (req as { runtime?: { node?: { req?: IncomingMessage } } }).runtime?.node?.req
    const owner = raw && owners.get(raw)
    if (!owner) throw new TusRefusal('BFF_ERR_AUTH_MISSING')
    return owner
  }
  // Quota checks and the create that follows run one at a time per owner, so two parallel
  // creates cannot both squeeze under the limit. (A creation-with-upload holds the turn while its
  // body arrives; other owners are never held up.)
  const queues = new Map<string, Promise<unknown>>()
  function serial<T> (owner: string, fn: () => Promise<T>): Promise<T> {
    const next = (queues.get(owner) ?? Promise.resolve()).then(fn, fn)
    const tail = next.then(() => {}, () => {})
    queues.set(owner, tail)
    void tail.then(() => { if (queues.get(owner) === tail) queues.delete(owner) })
    return next
  }

  async function staged (): Promise<Upload[]> {
    const ids = await datastore.configstore.list?.() ?? []
    const all = await Promise.all(ids.map(async (id) => datastore.configstore.get(id).catch(() => undefined)))
    return all.filter((u): u is Upload => u !== undefined)
  }

  async function usage (owner: string): Promise<{ bytes: number, inProgress: number }> {
    const mine = (await staged()).filter((u) => u.metadata?.owner === owner)
    let bytes = mine.reduce((n, u) => n + (u.size ?? 0), 0)
    for await (const o of media.list(ownerPrefix(owner))) bytes += o.size
    return { bytes, inProgress: mine.length }
  }

  async function onUploadCreate (req: TusRequest, upload: Upload): Promise<{ metadata: Record<string, string | null> }> {
    const owner = ownerOf(req)
    if (upload.size === undefined) throw new TusRefusal('BFF_ERR_UPLOAD_LENGTH_REQUIRED')
    const used = await usage(owner)
    if (used.inProgress >= limits.maxInProgress) {
      throw new TusRefusal('BFF_ERR_UPLOAD_QUOTA', `At most ${limits.maxInProgress} unfinished uploads at a time; finish or delete one first`)
    }
    if (used.bytes + upload.size > limits.quotaBytes) {
      throw new TusRefusal('BFF_ERR_UPLOAD_QUOTA', `This upload would exceed your storage quota (${used.bytes} of ${limits.quotaBytes} bytes in use)`)
    }
    // The client's metadata is kept (filename, filetype) but the owner is always ours.
    return { metadata: { ...upload.metadata, owner } }
  }

  async function headOf (path: string): Promise<Buffer> {
    const file = await open(path, 'r')
    try {
      const { buffer, bytesRead } = await file.read(Buffer.alloc(SNIFF_BYTES), 0, SNIFF_BYTES, 0)
      return buffer.subarray(0, bytesRead)
    } finally {
      await file.close()
    }
  }

  async function onUploadFinish (req: TusRequest, upload: Upload): Promise<Record<string, never>> {
    const owner = ownerOf(req)
    const path = join(opts.stagingDir, upload.id)
    const type = sniff(await headOf(path))
    if (!type) {
      await datastore.remove(upload.id)
      throw new TusRefusal('BFF_ERR_UPLOAD_TYPE')
    }
    const filename = upload.metadata?.filename
    await media.adopt(uploadKey(owner, upload.id), path, {
      contentType: type.contentType,
      expiresAt: opts.now() + limits.finishedTtlMs,
      meta: { owner, kind: type.kind, ...(typeof filename === 'string' ? { filename: filename.slice(0, 200) } : {}) }
    })
    return {}
  }

  const server = new Server({
    path: opts.path,
    datastore,
    maxSize: limits.maxBytes,
    // Relative, so the Location works behind any proxy; tus clients resolve it against the endpoint.
    relativeLocation: true,
    allowedOrigins: (origin) => opts.corsOrigins.includes(origin),
    onUploadCreate,
    onUploadFinish
  })
  // tus still reads the staged upload after onUploadFinish; the media store already has its copy.
  server.on(EVENTS.POST_FINISH, (_req, _res, upload) => { datastore.remove(upload.id).catch(() => {}) })

  function answer (res: ServerResponse, code: ErrorCode, extra: Record<string, string> = {}): void {
    const err = new BffError(code)
    res.writeHead(err.statusCode, { 'content-type': 'application/json; charset=utf-8', 'tus-resumable': '1.0.0', ...extra })
    res.end(JSON.stringify(err.toBody()))
  }

  /** A finished upload answers HEAD (for clients resuming an upload that already completed) and DELETE. */
  async function finished (req: IncomingMessage, res: ServerResponse, owner: string, id: string, object: MediaObject): Promise<void> {
    if (req.method === 'HEAD') {
      res.writeHead(200, { 'tus-resumable': '1.0.0', 'upload-offset': object.size, 'upload-length': object.size, 'cache-control': 'no-store' })
      return void res.end()
    }
    if (req.method === 'DELETE') {
      await media.delete(uploadKey(owner, id))
      res.writeHead(204, { 'tus-resumable': '1.0.0' })
      return void res.end()
    }
    answer(res, 'BFF_ERR_UPLOAD_FINISHED')
  }

  return {
    datastore,
    /** Serves one tus request of an authenticated owner; another owner's upload is a 404, as for tasks. */
    async handle (req: IncomingMessage, res: ServerResponse, owner: string, id: string | undefined): Promise<void> {
      owners.set(req, owner)
      if (id !== undefined) {
        if (!UPLOAD_ID.test(id)) return answer(res, 'BFF_ERR_UPLOAD_NOT_FOUND')
        const info = await datastore.configstore.get(id).catch(() => undefined)
        if (!info) {
          const object = await media.stat(uploadKey(owner, id))
          return object ? finished(req, res, owner, id, object) : answer(res, 'BFF_ERR_UPLOAD_NOT_FOUND')
        }
        if (info.metadata?.owner !== owner) return answer(res, 'BFF_ERR_UPLOAD_NOT_FOUND')
        return server.handle(req, res)
      }
      if (req.method === 'POST') return serial(owner, () => server.handle(req, res))
      return server.handle(req, res)
    },
    /** A finished upload of `owner`, or null. */
    find: (owner: string, id: string): Promise<MediaObject | null> => (UPLOAD_ID.test(id) ? media.stat(uploadKey(owner, id)) : Promise.resolve(null)),
    /** True when `owner` has upload `id` started but not finished. */
    inProgress: async (owner: string, id: string): Promise<boolean> =>
      UPLOAD_ID.test(id) && (await datastore.configstore.get(id).catch(() => undefined))?.metadata?.owner === owner,
    /** Deletes unfinished uploads older than their expiry from the staging directory. */
    async sweepUnfinished (now: number): Promise<{ deleted: number, bytes: number }> {
      const result = { deleted: 0, bytes: 0 }
      for (const upload of await staged()) {
        const created = upload.creation_date ? Date.parse(upload.creation_date) : NaN
        if (!(created + limits.unfinishedTtlMs <= now)) continue
        const size = await stat(join(opts.stagingDir, upload.id)).then((s) => s.size, () => 0)
        await datastore.remove(upload.id).catch(() => {})
        result.deleted++
        result.bytes += size
      }
      return result
    },
    staged
  }
}

export type Uploads = ReturnType<typeof createUploads>
