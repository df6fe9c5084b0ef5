import { createHash } from 'node:crypto'
import { rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import * as tus from 'tus-js-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { buildSimulator } from '../../src/providers/tomoviee/simulator/app.ts'
import { ALICE, APP_KEY, APP_SECRET, BOB, bearer, dropClientConnections, eventually, freePort, testConfig } from '../helper.ts'
import { dropPrefix, REDIS_URL, redisAvailable, testPrefix } from '../redis-helper.ts'
import { S3_CREDENTIALS, startS3Server, type S3Server } from '../s3-helper.ts'
import { uploadKey } from '../../src/uploads/keys.ts'
import { UNFINISHED_PREFIX } from '../../src/uploads/shared-store.ts'
import { fakeMp4, locationOf, mediaDir, tusCreate, tusHead, tusPatch } from './helpers.ts'

const available = await redisAvailable()
const CHUNK = 512 * 1024

interface Instance { app: FastifyInstance, url: string, dir: string }

/** Sends `file` with tus-js-client; `stopAfter` bytes confirmed, it aborts. Resolves to the upload URL. */
function send (file: Buffer, opts: { endpoint: string, uploadUrl?: string, stopAfter?: number, onFirstProgress?: (sent: number) => void }): Promise<string> {
  return new Promise((resolve, reject) => {
    let first = true
    const upload: tus.Upload = new tus.Upload(file, {
      endpoint: opts.endpoint,
      ...(opts.uploadUrl ? { uploadUrl: opts.uploadUrl } : {}),
      headers: bearer(),
      chunkSize: CHUNK,
      metadata: { filename: 'clip.mp4', filetype: 'video/mp4' },
      onProgress: (sent) => { if (first) opts.onFirstProgress?.(sent); first = false },
      onError: reject,
      onSuccess: () => (opts.stopAfter === undefined ? resolve(upload.url!) : reject(new Error('finished before it was interrupted'))),
      onChunkComplete: (_size, sent) => {
        if (opts.stopAfter === undefined || sent < opts.stopAfter) return
        upload.abort().then(() => resolve(upload.url!), reject)
      }
    })
    upload.start()
  })
}

// Unfinished uploads are shared: their parts in the bucket, their state and locks in Redis, so a
// resume may reach any instance; finished ones are in the same bucket.
describe.skipIf(!available)('uploads across two instances on one Redis and one bucket', () => {
  let s3: S3Server
  let sim: FastifyInstance
  let prefix: string
  let a: Instance
  let b: Instance

  async function instance (simUrl: string): Promise<Instance> {
    const port = await freePort()
    const dir = mediaDir()
    const config = testConfig({
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      TOMOVIEE_BASE_URL: simUrl,
      REDIS_URL,
      REDIS_PREFIX: prefix,
      MEDIA_DIR: dir,
      MEDIA_LINK_SECRET: 'distributed-upload-link-secret-000000001',
      STREAM_TOKEN_SECRET: 'distributed-upload-stream-secret-0000001',
      MEDIA_S3_BUCKET: s3.bucket,
      MEDIA_S3_ENDPOINT: s3.endpoint,
      MEDIA_S3_FORCE_PATH_STYLE: 'true',
      MEDIA_S3_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
      MEDIA_S3_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey
    })
    const app = await buildApp({ config, logger: false })
    await app.listen({ host: '127.0.0.1', port })
    return { app, url: `http://127.0.0.1:${port}`, dir }
  }

  beforeAll(async () => {
    prefix = testPrefix()
    s3 = await startS3Server(4612)
    sim = await buildSimulator({ appKey: APP_KEY, appSecret: APP_SECRET, queueMs: 30, processMs: 150, progressSteps: 2, fetchInputHosts: ['127.0.0.1'] })
    await sim.listen({ host: '127.0.0.1', port: 0 })
    const simUrl = `http://127.0.0.1:${(sim.server.address() as AddressInfo).port}`
    a = await instance(simUrl)
    b = await instance(simUrl)
  })

  afterAll(async () => {
    await dropClientConnections()
    for (const inst of [a, b]) {
      await inst?.app.close()
      if (inst) rmSync(inst.dir, { recursive: true, force: true })
    }
    await sim?.close()
    await s3?.close()
    await dropPrefix(prefix)
  })

  it('resumes on the instance that holds the upload, from its offset', async () => {
    const file = fakeMp4(2 * 1024 * 1024 + 11)
    const url = await send(file, { endpoint: `${a.url}/v1/uploads`, stopAfter: CHUNK })
    let resumedFrom = -1
    const finished = await send(file, { endpoint: `${a.url}/v1/uploads`, uploadUrl: url, onFirstProgress: (sent) => { resumedFrom = sent } })
    expect(finished).toBe(url)
    expect(resumedFrom).toBeGreaterThanOrEqual(CHUNK)
  })

  it('an upload started on A and cut off resumes on B from its offset, finishes there, and feeds a task', async () => {
    const file = fakeMp4(2 * 1024 * 1024 + 23)
    const onA = await send(file, { endpoint: `${a.url}/v1/uploads`, stopAfter: CHUNK })
    const id = onA.slice(onA.lastIndexOf('/') + 1)
    // The load balancer sends the resume to B, which knows the upload and where it stopped.
    const onB = onA.replace(a.url, b.url)
    const head = await tusHead(onB, bearer())
    expect(head.status).toBe(200)
    expect(Number(head.headers.get('upload-offset'))).toBeGreaterThanOrEqual(CHUNK)

    let resumedFrom = -1
    expect(await send(file, { endpoint: `${b.url}/v1/uploads`, uploadUrl: onB, onFirstProgress: (sent) => { resumedFrom = sent } })).toBe(onB)
    expect(resumedFrom).toBeGreaterThanOrEqual(CHUNK)
    expect(await stored(a.app, ALICE.owner, id)).toBe(sha256(file))
    // Nothing of it is left unfinished on either instance, nor in the bucket's parts.
    await eventually(() => a.app.uploads.staged(), (s) => !s.some((u) => u.id === id))
    expect(await b.app.uploads.staged()).not.toContainEqual(expect.objectContaining({ id }))
    expect(await keysUnder(a.app, `${UNFINISHED_PREFIX}${id}/`)).toEqual([])

    // A task created on A from it succeeds, the simulator fetching the bucket's presigned link.
    const res = await fetch(`${a.url}/v1/tasks/video-scoring`, {
      method: 'POST',
      headers: { ...bearer(), 'content-type': 'application/json' },
      body: JSON.stringify({ videoUrl: `upload:${id}`, prompt: 'calm piano' })
    })
    expect(res.status).toBe(202)
    const task = await res.json() as { id: string }
    const done = await eventually(async () => (await (await fetch(`${b.url}/v1/tasks/${task.id}`, { headers: bearer() })).json()) as { status: string }, (t) => t.status !== 'queued' && t.status !== 'processing', 30_000)
    expect(done.status).toBe('succeeded')
    const upstream = [...sim.simulator.tasks.values()].find((t) => t.body.params === task.id)!
    expect(upstream.fetched).toEqual([{ field: 'file_link', url: expect.stringMatching(new RegExp(`^${s3.endpoint}/${s3.bucket}/uploads/.+X-Amz-Signature=`)), status: 200, bytes: file.length }])
  })

  it('another owner\'s unfinished upload is a 404 on every instance', async () => {
    const file = fakeMp4(300_000)
    const { url } = locationOf(a.url, await tusCreate(a.url, bearer(), file.length, file.subarray(0, 100_000)))
    const onB = url.replace(a.url, b.url)
    expect((await tusHead(onB, bearer(BOB))).status).toBe(404)
    expect((await tusPatch(onB, bearer(BOB), 100_000, file.subarray(100_000))).status).toBe(404)
    expect((await fetch(onB, { method: 'DELETE', headers: { ...bearer(BOB), 'tus-resumable': '1.0.0' } })).status).toBe(404)
    const head = await tusHead(onB, bearer())
    expect(head.status).toBe(200)
    expect(head.headers.get('upload-offset')).toBe('100000')
    expect((await fetch(onB, { method: 'DELETE', headers: { ...bearer(), 'tus-resumable': '1.0.0' } })).status).toBe(204)
    expect((await tusHead(url, bearer())).status).toBe(404)
  })

  it('a PATCH on B while A is writing the same upload gets a conflict, and the upload stays whole', async () => {
    const file = fakeMp4(1024 * 1024 + 7)
    const { url, id } = locationOf(a.url, await tusCreate(a.url, bearer(), file.length))
    // A's request sends its first 256 KiB, then stalls (a phone whose connection froze).
    const first = 256 * 1024
    let finish!: () => void
    const stalled = new Promise<void>((resolve) => { finish = resolve })
    const slowBody = new ReadableStream<Uint8Array>({
      async start (controller) {
        controller.enqueue(file.subarray(0, first))
        await stalled
        controller.close()
      }
    })
    const onA = fetch(url, {
      method: 'PATCH',
      headers: { ...bearer(), 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
      body: slowBody,
      duplex: 'half'
    } as RequestInit).then((r) => r.status, () => 'dropped')
    try {
      const redis = a.app.redis!.commands
      await eventually(() => redis.exists(a.app.backend.kind === 'distributed' ? a.app.backend.keys.uploadLock(id) : ''), (n) => n === 1)

      // B's PATCH of other bytes from the same offset: B asks A to let go, A keeps what it got.
      const other = fakeMp4(file.length)
      const onB = await tusPatch(url.replace(a.url, b.url), bearer(), 0, other)
      expect([409, 423]).toContain(onB.status)
      expect([204, 'dropped']).toContain(await onA)
    } finally {
      finish()
    }
    const head = await tusHead(url, bearer())
    const offset = Number(head.headers.get('upload-offset'))
    expect(offset).toBe(first)
    // The rest of A's file finishes it, and the result is A's file, byte for byte.
    expect((await tusPatch(url.replace(a.url, b.url), bearer(), offset, file.subarray(offset))).status).toBe(204)
    expect(await stored(b.app, ALICE.owner, id)).toBe(sha256(file))
  })

  it('the limit on uploads in progress counts every instance\'s', async () => {
    const file = fakeMp4(50_000)
    const base = [a, b]
    const made: string[] = []
    for (let i = 0; i < 5; i++) made.push(locationOf(base[i % 2]!.url, await tusCreate(base[i % 2]!.url, bearer(BOB), file.length, file.subarray(0, 1000))).url)
    const refused = await tusCreate(b.url, bearer(BOB), file.length)
    expect(refused.status).toBe(413)
    expect((await refused.json() as { code: string }).code).toBe('BFF_ERR_UPLOAD_QUOTA')
    for (const url of made) await fetch(url, { method: 'DELETE', headers: { ...bearer(BOB), 'tus-resumable': '1.0.0' } })
    expect((await tusCreate(b.url, bearer(BOB), file.length, file)).status).toBe(201)
  })
})

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')

/** The digest of a finished upload's bytes in the media store (comparing megabytes with toEqual is slow). */
async function stored (app: FastifyInstance, owner: string, id: string): Promise<string | null> {
  const read = await app.media.read(uploadKey(owner, id))
  if (!read) return null
  const hash = createHash('sha256')
  for await (const chunk of read.body) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

async function keysUnder (app: FastifyInstance, prefix: string): Promise<string[]> {
  const keys: string[] = []
  for await (const o of app.media.list(prefix)) keys.push(o.key)
  return keys
}
