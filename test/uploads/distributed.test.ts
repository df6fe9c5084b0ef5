import { rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import * as tus from 'tus-js-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { buildSimulator } from '../../src/providers/tomoviee/simulator/app.ts'
import { ALICE, APP_KEY, APP_SECRET, bearer, dropClientConnections, eventually, freePort, testConfig } from '../helper.ts'
import { dropPrefix, REDIS_URL, redisAvailable, testPrefix } from '../redis-helper.ts'
import { S3_CREDENTIALS, startS3Server, type S3Server } from '../s3-helper.ts'
import { fakeMp4, mediaDir, tusHead } from './helpers.ts'

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

// Unfinished uploads stay on the disk of the instance that received them (s3rver lacks the
// multipart calls @tus/s3-store needs: see the README); finished ones are in the shared bucket.
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

  it('a resume routed to another instance starts that upload over there, and the result serves both', async () => {
    const file = fakeMp4(2 * 1024 * 1024 + 23)
    const onA = await send(file, { endpoint: `${a.url}/v1/uploads`, stopAfter: CHUNK })
    const id = onA.slice(onA.lastIndexOf('/') + 1)
    // The load balancer sends the resume to B, which has no part of it: a 404, as for a stranger's upload.
    const elsewhere = onA.replace(a.url, b.url)
    expect((await tusHead(elsewhere, bearer())).status).toBe(404)

    // tus-js-client then creates the upload anew at the endpoint and sends the whole file to B.
    let resumedFrom = -1
    const onB = await send(file, { endpoint: `${b.url}/v1/uploads`, uploadUrl: elsewhere, onFirstProgress: (sent) => { resumedFrom = sent } })
    expect(onB.startsWith(`${b.url}/v1/uploads/`)).toBe(true)
    expect(onB).not.toBe(elsewhere)
    expect(resumedFrom).toBeLessThan(CHUNK)
    const reference = `upload:${onB.slice(onB.lastIndexOf('/') + 1)}`

    // Finished, it is in the shared bucket: A knows it, and a task created on A from it succeeds,
    // the simulator fetching the bucket's presigned link to B's upload.
    expect((await a.app.uploads.find(ALICE.owner, reference.slice('upload:'.length)))?.size).toBe(file.length)
    const res = await fetch(`${a.url}/v1/tasks/video-scoring`, {
      method: 'POST',
      headers: { ...bearer(), 'content-type': 'application/json' },
      body: JSON.stringify({ videoUrl: reference, prompt: 'calm piano' })
    })
    expect(res.status).toBe(202)
    const task = await res.json() as { id: string }
    const done = await eventually(async () => (await (await fetch(`${b.url}/v1/tasks/${task.id}`, { headers: bearer() })).json()) as { status: string }, (t) => t.status !== 'queued' && t.status !== 'processing', 30_000)
    expect(done.status).toBe('succeeded')
    const upstream = [...sim.simulator.tasks.values()].find((t) => t.body.params === task.id)!
    expect(upstream.fetched).toEqual([{ field: 'file_link', url: expect.stringMatching(new RegExp(`^${s3.endpoint}/${s3.bucket}/uploads/.+X-Amz-Signature=`)), status: 200, bytes: file.length }])

    // A's unfinished part stays A's until it expires (the sweep deletes it), counted in A's in-progress limit only.
    expect((await a.app.uploads.staged()).map((u) => u.id)).toContain(id)
    expect((await b.app.uploads.staged()).map((u) => u.id)).not.toContain(id)
  })
})
