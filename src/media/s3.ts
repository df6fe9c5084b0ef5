import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { byteLimit } from './limit.ts'
import { assertKey, type MediaObject, type MediaStore, type PutOptions } from './types.ts'

export interface S3MediaOptions {
  endpoint?: string | undefined
  region: string
  bucket: string
  accessKeyId?: string | undefined
  secretAccessKey?: string | undefined
  /** MinIO and most self-hosted stores want path-style URLs (endpoint/bucket/key). */
  forcePathStyle: boolean
}

// Our facts travel as one user-metadata header; base64url keeps any owner name header-safe.
const META = 'bff-meta'

function isMissing (err: unknown): boolean {
  const e = err as { name?: string, $metadata?: { httpStatusCode?: number } }
  return e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404
}

/** The distributed backend: any S3-compatible object store, so every instance serves every file. */
export function createS3MediaStore (opts: S3MediaOptions): MediaStore {
  const client = new S3Client({
    region: opts.region,
    forcePathStyle: opts.forcePathStyle,
    // The SDK's default trailing checksums use aws-chunked bodies, which many S3-compatible stores
    // (older MinIO, s3rver, some gateways) store verbatim; plain bodies work everywhere.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    ...(opts.accessKeyId && opts.secretAccessKey ? { credentials: { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey } } : {})
  })
  const Bucket = opts.bucket

  function toObject (key: string, size: number, contentType: string | undefined, metadata: Record<string, string> | undefined): MediaObject {
    const raw = metadata?.[META]
    const facts = raw ? JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as { expiresAt: number | null, meta: Record<string, string> } : { expiresAt: null, meta: {} }
    return { key, size, contentType: contentType ?? 'application/octet-stream', expiresAt: facts.expiresAt, meta: facts.meta }
  }

  async function upload (key: string, path: string, size: number, o: Omit<PutOptions, 'maxBytes'>): Promise<MediaObject> {
    const facts = { expiresAt: o.expiresAt ?? null, meta: o.meta ?? {} }
    await client.send(new PutObjectCommand({
      Bucket,
      Key: key,
      Body: createReadStream(path),
      ContentLength: size,
      ContentType: o.contentType,
      Metadata: { [META]: Buffer.from(JSON.stringify(facts)).toString('base64url') }
    }))
    return { key, size, contentType: o.contentType, ...facts }
  }

  async function head (key: string): Promise<MediaObject | null> {
    assertKey(key)
    try {
      const res = await client.send(new HeadObjectCommand({ Bucket, Key: key }))
      return toObject(key, res.ContentLength ?? 0, res.ContentType, res.Metadata)
    } catch (err) {
      if (isMissing(err)) return null
      throw err
    }
  }

  return {
    // A single PUT needs its length up front, so an unknown-length stream is spooled to a temp
    // file first: bounded memory, and the limit is enforced before anything reaches the bucket.
    async put (key, body, o) {
      assertKey(key)
      const dir = await mkdtemp(join(tmpdir(), 'bff-media-'))
      const path = join(dir, 'body')
      try {
        let size = 0
        const source = body instanceof Uint8Array ? Readable.from([body]) : body
        await pipeline(source, byteLimit(o.maxBytes, (n) => { size = n }), createWriteStream(path))
        return await upload(key, path, size, o)
      } finally {
        await rm(dir, { recursive: true, force: true })
      }
    },
    async adopt (key, path, o) {
      assertKey(key)
      return upload(key, path, (await stat(path)).size, o)
    },
    stat: head,
    async read (key, range) {
      assertKey(key)
      try {
        const res = await client.send(new GetObjectCommand({ Bucket, Key: key, ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }))
        const total = range ? Number(/\/(\d+)$/.exec(res.ContentRange ?? '')?.[1] ?? NaN) : res.ContentLength ?? 0
        return { object: toObject(key, total, res.ContentType, res.Metadata), body: res.Body as Readable, range: range ?? null }
      } catch (err) {
        if (isMissing(err)) return null
        throw err
      }
    },
    async delete (key) {
      const existed = (await head(key)) !== null
      if (existed) await client.send(new DeleteObjectCommand({ Bucket, Key: key }))
      return existed
    },
    async * list (prefix) {
      let ContinuationToken: string | undefined
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket, Prefix: prefix, ContinuationToken }))
        for (const item of page.Contents ?? []) {
          const object = item.Key ? await head(item.Key) : null
          if (object) yield object
        }
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined
      } while (ContinuationToken)
    },
    presign: async (key, ttlSec) => { assertKey(key); return getSignedUrl(client, new GetObjectCommand({ Bucket, Key: key }), { expiresIn: ttlSec }) },
    close: async () => { client.destroy() }
  }
}
