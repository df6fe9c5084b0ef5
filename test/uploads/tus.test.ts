import { rmSync } from 'node:fs'
import * as tus from 'tus-js-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ALICE, BOB, bearer, startStack, type Stack } from '../helper.ts'
import { uploadKey } from '../../src/uploads/keys.ts'
import { dropPrefix, REDIS_URL, redisAvailable, testPrefix } from '../redis-helper.ts'
import { S3_CREDENTIALS, startS3Server, type S3Server } from '../s3-helper.ts'
import { fakeMp4, locationOf, mediaDir, PNG, tusCreate, tusHead, tusPatch } from './helpers.ts'

const redis = await redisAvailable()

// The same behaviour with finished uploads on disk and in an S3 bucket (a real s3rver), and in
// distributed mode, where unfinished uploads are in the bucket too, their state in Redis.
describe.each(['disk', 's3', ...(redis ? ['distributed'] : [])] as const)('tus uploads over real sockets (%s)', (backend) => {
  let stack: Stack
  let dir: string
  let s3: S3Server | undefined
  const prefix = testPrefix()
  beforeAll(async () => {
    dir = mediaDir()
    s3 = backend === 'disk' ? undefined : await startS3Server(backend === 's3' ? 4562 : 4563)
    const bucket: Record<string, string> = s3
      ? { MEDIA_S3_BUCKET: s3.bucket, MEDIA_S3_ENDPOINT: s3.endpoint, MEDIA_S3_FORCE_PATH_STYLE: 'true', MEDIA_S3_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId, MEDIA_S3_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey }
      : {}
    const shared: Record<string, string> = backend === 'distributed' ? { REDIS_URL, REDIS_PREFIX: prefix } : {}
    stack = await startStack({ env: { MEDIA_DIR: dir, CORS_ORIGINS: 'https://app.example', ...bucket, ...shared } })
  })
  afterAll(async () => {
    await stack.close()
    await s3?.close()
    rmSync(dir, { recursive: true, force: true })
    if (backend === 'distributed') await dropPrefix(prefix)
  })

  it('survives an interruption: tus-js-client stops mid-way, a new client resumes from the offset and finishes', async () => {
    const file = fakeMp4(3 * 1024 * 1024 + 17)
    let firstUrl = ''
    let interruptedAt = 0
    await new Promise<void>((resolve, reject) => {
      const upload: tus.Upload = new tus.Upload(file, {
        endpoint: `${stack.url}/v1/uploads`,
        headers: bearer(),
        chunkSize: 256 * 1024,
        metadata: { filename: 'clip.mp4', filetype: 'video/mp4' },
        onError: reject,
        onSuccess: () => reject(new Error('finished before it was interrupted')),
        onChunkComplete: (_size, sent) => {
          if (sent < file.length / 2 || interruptedAt) return
          interruptedAt = sent
          firstUrl = upload.url!
          upload.abort().then(resolve, reject)
        }
      })
      upload.start()
    })
    const head = await tusHead(firstUrl, bearer())
    const offset = Number(head.headers.get('upload-offset'))
    expect(offset).toBeGreaterThan(0)
    expect(offset).toBeLessThan(file.length)

    const resumedFrom: number[] = []
    await new Promise<void>((resolve, reject) => {
      const resumed = new tus.Upload(file, {
        endpoint: `${stack.url}/v1/uploads`,
        uploadUrl: firstUrl,
        headers: bearer(),
        chunkSize: 256 * 1024,
        onProgress: (sent) => { if (resumedFrom.length === 0) resumedFrom.push(sent) },
        onError: reject,
        onSuccess: () => resolve()
      })
      resumed.start()
    })
    expect(resumedFrom[0]).toBeGreaterThanOrEqual(offset)
    const id = firstUrl.slice(firstUrl.lastIndexOf('/') + 1)
    const stored = await stack.bff.media.read(uploadKey(ALICE.owner, id))
    const bytes = Buffer.concat(await stored!.body.toArray())
    expect(bytes.equals(file)).toBe(true)
    expect(stored!.object).toMatchObject({ contentType: 'video/mp4', meta: { owner: 'alice', kind: 'video', filename: 'clip.mp4' } })
    // A client that resumes a finished upload learns it is complete.
    const done = await tusHead(firstUrl, bearer())
    expect([done.status, done.headers.get('upload-offset')]).toEqual([200, String(file.length)])
  })

  it('refuses an HTML file named .mp4 and declared video/mp4, from its first bytes, stores none of it and drops the upload', async () => {
    const html = Buffer.from('<!doctype html><html><body><script>alert(1)</script></body></html>'.padEnd(4096, ' '))
    const created = await tusCreate(stack.url, bearer(), html.length, undefined, { filename: 'holiday.mp4', filetype: 'video/mp4' })
    expect(created.status).toBe(201)
    const { url } = locationOf(stack.url, created)
    const res = await tusPatch(url, bearer(), 0, html)
    expect(res.status).toBe(415)
    expect(JSON.parse(await res.text())).toMatchObject({ code: 'BFF_ERR_UPLOAD_TYPE' })
    // Dropped at once: it can never become valid, and must not count toward the uploads in progress.
    expect((await tusHead(url, bearer())).status).toBe(404)
  })

  it('accepts an image sent with the creation request itself', async () => {
    const res = await tusCreate(stack.url, bearer(), PNG.length, PNG)
    expect(res.status).toBe(201)
    expect(res.headers.get('upload-offset')).toBe(String(PNG.length))
    const { id } = locationOf(stack.url, res)
    expect(await stack.bff.uploads.find(ALICE.owner, id)).toMatchObject({ contentType: 'image/png', size: PNG.length })
  })

  it('keeps an upload to its owner: another owner can neither see, resume nor delete it', async () => {
    const file = fakeMp4(1000)
    const unfinished = locationOf(stack.url, await tusCreate(stack.url, bearer(), file.length, file.subarray(0, 400)))
    const finished = locationOf(stack.url, await tusCreate(stack.url, bearer(), PNG.length, PNG))
    for (const { url } of [unfinished, finished]) {
      expect((await tusHead(url, bearer(BOB))).status).toBe(404)
      expect((await tusPatch(url, bearer(BOB), 400, file.subarray(400))).status).toBe(404)
      const del = await fetch(url, { method: 'DELETE', headers: { ...bearer(BOB), 'tus-resumable': '1.0.0' } })
      expect([del.status, (await del.json() as { code: string }).code]).toEqual([404, 'BFF_ERR_UPLOAD_NOT_FOUND'])
      expect((await tusHead(url, bearer())).status).toBeLessThan(300)
    }
    expect(await stack.bff.uploads.find(BOB.owner, finished.id)).toBeNull()
    // The owner may delete (tus termination), finished or not.
    for (const { url } of [unfinished, finished]) {
      const del = await fetch(url, { method: 'DELETE', headers: { ...bearer(), 'tus-resumable': '1.0.0' } })
      expect(del.status).toBe(204)
      expect((await tusHead(url, bearer())).status).toBe(404)
    }
  })

  it('requires the same credentials as every /v1 route', async () => {
    expect((await tusCreate(stack.url, {}, 100)).status).toBe(401)
    expect((await tusCreate(stack.url, { authorization: 'Bearer wrong-key-123' }, 100)).status).toBe(401)
  })

  it('answers the CORS preflight a browser tus client sends, for configured origins only', async () => {
    const preflight = (origin: string): Promise<Response> => fetch(`${stack.url}/v1/uploads/0123456789abcdef0123456789abcdef`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'authorization,tus-resumable,upload-offset,content-type' }
    })
    const ok = await preflight('https://app.example')
    expect(ok.status).toBeLessThan(300)
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example')
    expect(ok.headers.get('access-control-allow-methods')).toContain('PATCH')
    expect(ok.headers.get('access-control-allow-headers')).toContain('upload-offset')
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull()
    const created = await tusCreate(stack.url, { ...bearer(), origin: 'https://app.example' }, PNG.length, PNG)
    expect(created.headers.get('access-control-allow-origin')).toBe('https://app.example')
    expect(created.headers.get('access-control-expose-headers')?.toLowerCase()).toContain('location')
  })
})
