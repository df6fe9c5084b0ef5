import { rmSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { ALICE, bearer, dropClientConnections, eventually, startStack, testConfig, type Stack } from '../helper.ts'
import { dropPrefix, REDIS_URL, testPrefix } from '../redis-helper.ts'
import { S3_CREDENTIALS, startS3Server, type S3Server } from '../s3-helper.ts'
import { UNFINISHED_PREFIX } from '../../src/uploads/shared-store.ts'
import { fakeMp4, locationOf, mediaDir, tusCreate, tusHead } from './helpers.ts'

const METRICS_TOKEN = 'metrics-token-for-tests'

describe('media sweep (embedded)', () => {
  let stack: Stack
  let dir: string
  beforeAll(async () => {
    dir = mediaDir()
    stack = await startStack({ env: { MEDIA_DIR: dir, UPLOAD_RETENTION_MS: '1', UPLOAD_UNFINISHED_TTL_MS: '1', METRICS_TOKEN } })
  })
  afterAll(async () => {
    await stack.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('deletes expired finished and unfinished uploads and counts the bytes it freed', async () => {
    const file = fakeMp4(50_000)
    const finished = locationOf(stack.url, await tusCreate(stack.url, bearer(), file.length, file))
    const unfinished = locationOf(stack.url, await tusCreate(stack.url, bearer(), 10_000, file.subarray(0, 4000)))
    await eventually(() => stack.bff.uploads.find(ALICE.owner, finished.id), (o) => o !== null && o.expiresAt! < Date.now())
    // The finished upload's staging copy goes once tus is done with it; only the unfinished one stays.
    await eventually(() => stack.bff.uploads.staged(), (s) => s.length === 1)

    const result = await stack.bff.mediaSweep.run()
    expect(result).toEqual({ shared: { deleted: 1, bytes: file.length }, local: { deleted: 1, bytes: 4000 } })
    expect((await tusHead(finished.url, bearer())).status).toBe(404)
    expect((await tusHead(unfinished.url, bearer())).status).toBe(404)
    const metrics = await (await fetch(`${stack.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text()
    expect(metrics).toContain(`bff_media_freed_bytes_total{area="shared"} ${file.length}`)
    expect(metrics).toContain('bff_media_freed_bytes_total{area="local"} 4000')
  })
})

describe('media sweep (distributed: Redis and S3)', () => {
  let s3: S3Server
  const prefixes: string[] = []
  const apps: FastifyInstance[] = []
  const dirs: string[] = []
  beforeAll(async () => { s3 = await startS3Server(4561) })
  afterEach(async () => {
    await dropClientConnections()
    await Promise.all(apps.splice(0).map((a) => a.close()))
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })
  afterAll(async () => {
    await s3.close()
    for (const prefix of prefixes) await dropPrefix(prefix)
  })

  /** Two instances on one Redis prefix (a fresh one: the sweep's lease outlives a test) and one bucket. */
  async function pair (env: Record<string, string>): Promise<[FastifyInstance, FastifyInstance]> {
    const prefix = testPrefix()
    prefixes.push(prefix)
    for (let i = 0; i < 2; i++) {
      const dir = mediaDir()
      dirs.push(dir)
      const config = testConfig({
        REDIS_URL, REDIS_PREFIX: prefix, MEDIA_DIR: dir, RECONCILE_ENABLED: 'false',
        MEDIA_S3_BUCKET: s3.bucket, MEDIA_S3_ENDPOINT: s3.endpoint, MEDIA_S3_FORCE_PATH_STYLE: 'true',
        MEDIA_S3_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId, MEDIA_S3_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
        ...env
      })
      const app = await buildApp({ config, logger: false })
      await app.listen({ host: '127.0.0.1', port: 0 })
      apps.push(app)
    }
    return apps as [FastifyInstance, FastifyInstance]
  }
  const baseOf = (app: FastifyInstance): string => `http://127.0.0.1:${(app.server.address() as { port: number }).port}`

  it('sweeps the shared bucket from exactly one instance at a time', async () => {
    const [a, b] = await pair({ UPLOAD_RETENTION_MS: '1' })
    const base = baseOf(a)
    const file = fakeMp4(20_000)
    const { id } = locationOf(base, await tusCreate(base, bearer(), file.length, file))
    // Written through A, visible to B: the bucket is shared.
    const seen = await eventually(() => b.uploads.find(ALICE.owner, id), (o) => o !== null && o.expiresAt! < Date.now())
    expect(seen!.size).toBe(file.length)

    const [ra, rb] = await Promise.all([a.mediaSweep.run(), b.mediaSweep.run()])
    const shared = [ra.shared, rb.shared]
    expect(shared.filter((r) => r === null)).toHaveLength(1)
    expect(shared.find((r) => r !== null)).toEqual({ deleted: 1, bytes: file.length })
    expect(await a.uploads.find(ALICE.owner, id)).toBeNull()
  })

  it('sweeps expired unfinished uploads, state and parts, from exactly one instance at a time', async () => {
    const [a, b] = await pair({ UPLOAD_UNFINISHED_TTL_MS: '1' })
    const file = fakeMp4(20_000)
    const { url, id } = locationOf(baseOf(a), await tusCreate(baseOf(a), bearer(), file.length, file.subarray(0, 4000)))
    expect((await b.uploads.staged()).map((u) => u.id)).toContain(id)
    const parts = async (): Promise<string[]> => {
      const keys: string[] = []
      for await (const o of b.media.list(`${UNFINISHED_PREFIX}${id}/`)) keys.push(o.key)
      return keys
    }
    expect(await parts()).toHaveLength(1)

    const [ra, rb] = await Promise.all([a.mediaSweep.run(), b.mediaSweep.run()])
    const shared = [ra.shared, rb.shared]
    expect(shared.filter((r) => r === null)).toHaveLength(1)
    expect(shared.find((r) => r !== null)).toEqual({ deleted: 1, bytes: 4000 })
    // Neither instance swept it as its own: it was nobody's local leftover.
    expect([ra.local, rb.local]).toEqual([{ deleted: 0, bytes: 0 }, { deleted: 0, bytes: 0 }])
    expect(await a.uploads.staged()).toEqual([])
    expect(await parts()).toEqual([])
    expect((await tusHead(url.replace(baseOf(a), baseOf(b)), bearer())).status).toBe(404)
  })
})
