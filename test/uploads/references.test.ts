import { rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMediaLinks } from '../../src/media/links.ts'
import { uploadKey } from '../../src/uploads/keys.ts'
import { ALICE, BOB, bearer, eventually, getTask, startStack, type Stack } from '../helper.ts'
import { fakeMp4, locationOf, mediaDir, PNG, tusCreate } from './helpers.ts'

const SECRET = 'media-link-secret-for-tests-0123456789'

async function upload (stack: Stack, body: Buffer, who = ALICE): Promise<string> {
  const res = await tusCreate(stack.url, bearer(who), body.length, body)
  expect(res.status).toBe(201)
  return locationOf(stack.url, res).id
}

async function create (stack: Stack, capability: string, body: Record<string, unknown>, who = ALICE): Promise<Response> {
  return fetch(`${stack.url}/v1/tasks/${capability}`, { method: 'POST', headers: { ...bearer(who), 'content-type': 'application/json' }, body: JSON.stringify(body) })
}

describe('uploads as task inputs', () => {
  let stack: Stack
  let dir: string
  let missing: Server
  let missingHost: string
  beforeAll(async () => {
    dir = mediaDir()
    missing = createServer((_req, res) => { res.writeHead(404).end() })
    await new Promise<void>((resolve) => missing.listen(0, '127.0.0.1', resolve))
    missingHost = `127.0.0.1:${(missing.address() as AddressInfo).port}`
    stack = await startStack({
      env: { MEDIA_DIR: dir, MEDIA_LINK_SECRET: SECRET, INPUT_HTTP_ALLOW_HOSTS: missingHost },
      sim: { fetchInputHosts: ['127.0.0.1'] }
    })
  })
  afterAll(async () => {
    await stack.close()
    await new Promise((resolve) => missing.close(resolve))
    rmSync(dir, { recursive: true, force: true })
  })

  it('creates a task from an upload: the simulator fetches the signed URL and the task succeeds', async () => {
    const file = fakeMp4(300_000)
    const id = await upload(stack, file)
    const res = await create(stack, 'video-scoring', { videoUrl: `upload:${id}`, prompt: 'calm piano' })
    expect(res.status).toBe(202)
    const task = await res.json() as { id: string, input: Record<string, unknown> }
    // The task keeps the reference; only the gateway sees the short-lived URL.
    expect(task.input.videoUrl).toBe(`upload:${id}`)
    const done = await eventually(() => getTask(stack, task.id), (t) => t.body.status !== 'queued' && t.body.status !== 'processing')
    expect(done.body.status).toBe('succeeded')
    const sim = [...stack.sim.simulator.tasks.values()].find((t) => t.body.params === task.id)!
    expect(sim.fetched).toEqual([{ field: 'file_link', url: expect.stringMatching(/\/media\/uploads\/.+\?expires=\d+&sig=/), status: 200, bytes: file.length }])
    expect(sim.body.file_link).toBe(sim.body.video)
  })

  it('fails the task when the simulator cannot fetch an input it is allowed to reach', async () => {
    const res = await create(stack, 'video-scoring', { videoUrl: `http://${missingHost}/gone.mp4`, prompt: 'calm piano' })
    expect(res.status).toBe(202)
    const { id } = await res.json() as { id: string }
    const done = await eventually(() => getTask(stack, id), (t) => t.body.status === 'failed' || t.body.status === 'succeeded')
    expect(done.body.status).toBe('failed')
  })

  it('checks the upload against what the field expects, and who owns it', async () => {
    const image = await upload(stack, PNG)
    const wrongKind = await create(stack, 'video-scoring', { videoUrl: `upload:${image}`, prompt: 'x' })
    expect([wrongKind.status, (await wrongKind.json() as { code: string }).code]).toEqual([422, 'BFF_ERR_UPLOAD_KIND'])
    const theirs = await create(stack, 'image-to-video', { imageUrl: `upload:${image}`, prompt: 'x' }, BOB)
    const body = await theirs.json() as { code: string, issues: { path: string }[] }
    expect([theirs.status, body.code, body.issues[0]!.path]).toEqual([404, 'BFF_ERR_UPLOAD_NOT_FOUND', 'body.imageUrl'])
    const unfinished = locationOf(stack.url, await tusCreate(stack.url, bearer(), 5000, fakeMp4(100)))
    const early = await create(stack, 'video-scoring', { videoUrl: `upload:${unfinished.id}`, prompt: 'x' })
    expect([early.status, (await early.json() as { code: string }).code]).toEqual([409, 'BFF_ERR_UPLOAD_UNFINISHED'])
    const malformed = await create(stack, 'video-scoring', { videoUrl: 'upload:../../etc/passwd', prompt: 'x' })
    expect(malformed.status).toBe(400)
  })

  it('serves signed links with byte ranges, and refuses expired or forged signatures', async () => {
    const file = fakeMp4(10_000)
    const id = await upload(stack, file)
    const key = uploadKey(ALICE.owner, id)
    const link = await stack.bff.mediaLinks.sign(key, 60)
    const ranged = await fetch(link, { headers: { range: 'bytes=100-199' } })
    expect(ranged.status).toBe(206)
    expect(ranged.headers.get('content-range')).toBe(`bytes 100-199/${file.length}`)
    expect(Buffer.from(await ranged.arrayBuffer()).equals(file.subarray(100, 200))).toBe(true)
    const whole = await fetch(link)
    expect([whole.status, whole.headers.get('content-type'), whole.headers.get('accept-ranges')]).toEqual([200, 'video/mp4', 'bytes'])
    expect(Buffer.from(await whole.arrayBuffer()).equals(file)).toBe(true)
    expect((await fetch(link, { headers: { range: 'bytes=999999-' } })).status).toBe(416)

    const past = createMediaLinks({ store: stack.bff.media, secret: SECRET, publicUrl: stack.url, now: () => Date.now() - 2 * 3_600_000 })
    const expired = await fetch(await past.sign(key, 60))
    expect([expired.status, (await expired.json() as { code: string }).code]).toEqual([403, 'BFF_ERR_MEDIA_LINK_INVALID'])
    const forged = link.replace(/sig=[^&]+/, 'sig=AAAA')
    expect((await fetch(forged)).status).toBe(403)
    // A valid signature for one key opens no other.
    const other = link.replace(id, id.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')))
    expect((await fetch(other)).status).toBe(403)
  })

  it('documents references in GET /v1/capabilities', async () => {
    const res = await fetch(`${stack.url}/v1/capabilities`, { headers: bearer() })
    const scoring = (await res.json() as { items: { name: string, inputSchema: unknown }[] }).items.find((c) => c.name === 'video-scoring')!
    expect(JSON.stringify(scoring.inputSchema)).toContain('upload:')
  })
})
