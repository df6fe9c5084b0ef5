import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BffClientError } from '../../packages/client/src/index.ts'
import { uploadKey } from '../../src/uploads/keys.ts'
import { ALICE, startStack, type Stack } from '../helper.ts'
import { fakeMp4, mediaDir } from '../uploads/helpers.ts'
import { clientFor, collect } from './helpers.ts'

describe('client.upload() against the real server', () => {
  let stack: Stack
  let dir: string
  beforeAll(async () => {
    dir = mediaDir()
    stack = await startStack({ env: { MEDIA_DIR: dir }, sim: { fetchInputHosts: ['127.0.0.1'] } })
  })
  afterAll(async () => {
    await stack.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const stored = async (ref: string): Promise<Buffer> => {
    const read = await stack.bff.media.read(uploadKey(ALICE.owner, ref.slice('upload:'.length)))
    return Buffer.concat(await read!.body.toArray())
  }

  it('uploads in chunks with progress, and the reference makes a task that succeeds', async () => {
    const bytes = fakeMp4(2 * 1024 * 1024 + 5)
    const progress: number[] = []
    const client = clientFor(stack)
    const ref = await client.upload(new Blob([bytes], { type: 'video/mp4' }), { chunkSize: 512 * 1024, filename: 'clip.mp4', onProgress: (sent) => progress.push(sent) })
    expect(ref).toMatch(/^upload:[0-9a-f]{32}$/)
    expect(progress).toEqual([1, 2, 3, 4].map((i) => i * 512 * 1024).concat(bytes.length))
    expect((await stored(ref)).equals(bytes)).toBe(true)

    const task = await client.createTask('video-scoring', { videoUrl: ref, prompt: 'warm strings' })
    const events = await collect(client.watch(task.id))
    expect(events.at(-1)).toMatchObject({ type: 'task.succeeded' })
  })

  it('resumes from the server\'s offset after a dropped request', async () => {
    const bytes = fakeMp4(1024 * 1024)
    let patches = 0
    const flaky: typeof fetch = async (input, init) => {
      // The second chunk dies mid-way, as on a phone losing its signal.
      if (init?.method === 'PATCH' && ++patches === 2) throw new TypeError('fetch failed')
      return fetch(input, init)
    }
    const ref = await clientFor(stack, { fetch: flaky }).upload(new Blob([bytes]), { chunkSize: 256 * 1024 })
    expect(patches).toBeGreaterThan(4)
    expect((await stored(ref)).equals(bytes)).toBe(true)
  })

  it('reports a refused file with its stable code, and stops when aborted', async () => {
    const html = new Blob(['<html><body>not a video</body></html>'.padEnd(1000)], { type: 'video/mp4' })
    const err = await clientFor(stack).upload(html).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(BffClientError)
    expect(err).toMatchObject({ status: 415, code: 'BFF_ERR_UPLOAD_TYPE' })

    const controller = new AbortController()
    const aborted = clientFor(stack).upload(new Blob([fakeMp4(1024 * 1024)]), {
      chunkSize: 128 * 1024,
      signal: controller.signal,
      onProgress: () => { controller.abort() }
    })
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' })
  })
})
