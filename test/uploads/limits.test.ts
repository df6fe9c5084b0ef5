import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BOB, bearer, startStack, type Stack } from '../helper.ts'
import { dropPrefix, REDIS_URL, redisAvailable, testPrefix } from '../redis-helper.ts'
import { S3_CREDENTIALS, startS3Server, type S3Server } from '../s3-helper.ts'
import { fakeMp4, locationOf, mediaDir, tusCreate, tusHead } from './helpers.ts'

const MB = 1024 * 1024

const redis = await redisAvailable()

// Embedded, and distributed (unfinished uploads in a real s3rver bucket, their state in Redis).
describe.each(['embedded', ...(redis ? ['distributed'] : [])] as const)('upload limits, enforced while the bytes arrive (%s)', (mode) => {
  let stack: Stack
  let dir: string
  let s3: S3Server | undefined
  const prefix = testPrefix()
  beforeAll(async () => {
    dir = mediaDir()
    s3 = mode === 'distributed' ? await startS3Server(4564) : undefined
    const shared: Record<string, string> = s3
      ? { REDIS_URL, REDIS_PREFIX: prefix, MEDIA_S3_BUCKET: s3.bucket, MEDIA_S3_ENDPOINT: s3.endpoint, MEDIA_S3_FORCE_PATH_STYLE: 'true', MEDIA_S3_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId, MEDIA_S3_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey }
      : {}
    stack = await startStack({ env: { MEDIA_DIR: dir, UPLOAD_MAX_BYTES: String(MB), UPLOAD_QUOTA_BYTES: String(1.5 * MB), UPLOAD_MAX_IN_PROGRESS: '2', ...shared } })
  })
  afterAll(async () => {
    await stack.close()
    await s3?.close()
    rmSync(dir, { recursive: true, force: true })
    if (s3) await dropPrefix(prefix)
  })

  it('refuses a declared size over the maximum before any byte is sent', async () => {
    const res = await tusCreate(stack.url, bearer(), MB + 1)
    expect(res.status).toBe(413)
  })

  it('refuses a deferred length, which would let a client dodge the size and quota checks', async () => {
    const res = await fetch(`${stack.url}/v1/uploads`, { method: 'POST', headers: { ...bearer(), 'tus-resumable': '1.0.0', 'upload-defer-length': '1' } })
    expect(res.status).toBe(400)
    expect(JSON.parse(await res.text())).toMatchObject({ code: 'BFF_ERR_UPLOAD_LENGTH_REQUIRED' })
  })

  it('cuts off a body that never ends at the declared length, mid-stream', async () => {
    const { url } = locationOf(stack.url, await tusCreate(stack.url, bearer(), 64 * 1024))
    const head = fakeMp4(64)
    let sent = 0
    // An endless body: the request can only end because the server stops it.
    const body = new ReadableStream<Uint8Array>({
      pull (controller) {
        controller.enqueue(sent === 0 ? head : new Uint8Array(16 * 1024))
        sent += sent === 0 ? head.length : 16 * 1024
      }
    })
    const res = await fetch(url, {
      method: 'PATCH',
      headers: { ...bearer(), 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
      body,
      duplex: 'half'
    } as RequestInit).catch((err: unknown) => err)
    if (res instanceof Response) expect(res.status).toBe(413)
    expect(sent).toBeLessThan(8 * MB)
    expect(Number((await tusHead(url, bearer())).headers.get('upload-offset'))).toBeLessThanOrEqual(64 * 1024)
  })

  it('holds each owner to a quota of stored bytes and of uploads in progress', async () => {
    const file = fakeMp4(MB)
    expect((await tusCreate(stack.url, bearer(BOB), file.length, file)).status).toBe(201)
    const over = await tusCreate(stack.url, bearer(BOB), Math.round(0.6 * MB))
    expect(over.status).toBe(413)
    expect(JSON.parse(await over.text())).toMatchObject({ code: 'BFF_ERR_UPLOAD_QUOTA' })
    // Within the bytes left, but only two may be in progress at once.
    expect((await tusCreate(stack.url, bearer(BOB), 1000)).status).toBe(201)
    expect((await tusCreate(stack.url, bearer(BOB), 1000)).status).toBe(201)
    const third = await tusCreate(stack.url, bearer(BOB), 1000)
    expect(third.status).toBe(413)
    expect(JSON.parse(await third.text()).message).toMatch(/unfinished uploads/)
  })
})
