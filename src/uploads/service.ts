import type { IncomingMessage, ServerResponse } from 'node:http'
import { Server, type ServerOptions } from '@tus/server'
import { EVENTS, type Upload } from '@tus/utils'
import { BffError, type ErrorCode } from '../errors.ts'
import { sniff, SNIFF_BYTES } from '../media/sniff.ts'
import type { MediaObject, MediaStore } from '../media/types.ts'
import { ownerPrefix, UPLOAD_ID, uploadKey } from './keys.ts'
import type { Staging } from './staging.ts'
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
  /** Where unfinished uploads wait; finished ones are published into the media store. */
  staging: Staging
  limits: UploadLimits
  /** Where the tus route is mounted, e.g. /v1/uploads. */
  path: string
  corsOrigins: readonly string[]
  now: () => number
}

type TusRequest = Parameters<NonNullable<ServerOptions['onUploadCreate']>>[0]

export function createUploads (opts: UploadsOptions) {
  const { media, limits, staging } = opts
  // The authenticated owner of each request, handed from the route to tus's hooks.
  const owners = new WeakMap<IncomingMessage, string>()
  const ownerOf = (req: TusRequest): string => {
    const raw = (req as { runtime?: { node?: { req?: IncomingMessage } } }).runtime?.node?.req
    const owner = raw && owners.get(raw)
    if (!owner) throw new TusRefusal('BFF_ERR_AUTH_MISSING')
    return owner
  }
  async function usage (owner: string): Promise<{ bytes: number, inProgress: number }> {
    let bytes = 0
    const finished = new Set<string>()
    for await (const o of media.list(ownerPrefix(owner))) {
      bytes += o.size
      finished.add(o.key.slice(ownerPrefix(owner).length))
    }
    // A just-finished upload is published before its staged copy goes: counted once, as finished.
    const mine = (await staging.ofOwner(owner)).filter((u) => !finished.has(u.id))
    bytes += mine.reduce((n, u) => n + (u.size ?? 0), 0)
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

  async function onUploadFinish (req: TusRequest, upload: Upload): Promise<Record<string, never>> {
    const owner = ownerOf(req)
    const type = sniff(await staging.head(upload.id, SNIFF_BYTES))
    if (!type) {
      await staging.remove(upload.id)
      throw new TusRefusal('BFF_ERR_UPLOAD_TYPE')
    }
    const filename = upload.metadata?.filename
    await staging.publish(upload.id, uploadKey(owner, upload.id), {
      contentType: type.contentType,
      expiresAt: opts.now() + limits.finishedTtlMs,
      meta: { owner, kind: type.kind, ...(typeof filename === 'string' ? { filename: filename.slice(0, 200) } : {}) }
    })
    return {}
  }

  const server = new Server({
    path: opts.path,
    datastore: staging.datastore,
    locker: staging.locker,
    maxSize: limits.maxBytes,
    // Relative, so the Location works behind any proxy; tus clients resolve it against the endpoint.
    relativeLocation: true,
    allowedOrigins: (origin) => opts.corsOrigins.includes(origin),
    onUploadCreate,
    onUploadFinish
  })
  // tus still reads the staged upload after onUploadFinish; the media store already has its copy.
  server.on(EVENTS.POST_FINISH, (_req, _res, upload) => { staging.remove(upload.id).catch(() => {}) })

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
    datastore: staging.datastore,
    /** Serves one tus request of an authenticated owner; another owner's upload is a 404, as for tasks. */
    async handle (req: IncomingMessage, res: ServerResponse, owner: string, id: string | undefined): Promise<void> {
      owners.set(req, owner)
      if (id !== undefined) {
        if (!UPLOAD_ID.test(id)) return answer(res, 'BFF_ERR_UPLOAD_NOT_FOUND')
        const info = await staging.get(id)
        if (!info) {
          const object = await media.stat(uploadKey(owner, id))
          return object ? finished(req, res, owner, id, object) : answer(res, 'BFF_ERR_UPLOAD_NOT_FOUND')
        }
        if (info.metadata?.owner !== owner) return answer(res, 'BFF_ERR_UPLOAD_NOT_FOUND')
        return server.handle(req, res)
      }
      // Quota checks and the create that follows run one at a time per owner (on every instance
      // that shares the staging), so two parallel creates cannot both squeeze under the limit.
      if (req.method === 'POST') return staging.exclusive(owner, () => server.handle(req, res))
      return server.handle(req, res)
    },
    /** A finished upload of `owner`, or null. */
    find: (owner: string, id: string): Promise<MediaObject | null> => (UPLOAD_ID.test(id) ? media.stat(uploadKey(owner, id)) : Promise.resolve(null)),
    /** True when `owner` has upload `id` started but not finished. */
    inProgress: async (owner: string, id: string): Promise<boolean> =>
      UPLOAD_ID.test(id) && (await staging.get(id))?.metadata?.owner === owner,
    /** Deletes unfinished uploads older than their expiry, with every part stored so far. */
    async sweepUnfinished (now: number): Promise<{ deleted: number, bytes: number }> {
      const result = { deleted: 0, bytes: 0 }
      for (const upload of await staging.list()) {
        const created = upload.creation_date ? Date.parse(upload.creation_date) : NaN
        if (!(created + limits.unfinishedTtlMs <= now)) continue
        const size = await staging.storedBytes(upload.id)
        await staging.remove(upload.id).catch(() => {})
        result.deleted++
        result.bytes += size
      }
      return result
    },
    /** Every unfinished upload this instance can resume. */
    staged: staging.list,
    /** True when unfinished uploads are shared by every instance (their sweep then runs on one at a time). */
    sharedStaging: staging.shared
  }
}

export type Uploads = ReturnType<typeof createUploads>
