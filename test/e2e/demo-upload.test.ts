import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PROJECT_ROOT } from '../../src/meta.ts'
import { generateMp4 } from '../../src/providers/simulator-kit/video.ts'
import { ALICE, eventually, startStack, type Stack } from '../helper.ts'
import { mediaDir } from '../uploads/helpers.ts'
import { BROWSER_TIMEOUT, launchChromium, skipWithoutChromium, watch } from './browser.ts'
import { startThrottle, type Throttle } from './throttle.ts'

const skip = skipWithoutChromium('test/e2e/demo-upload.test.ts')
const ARTIFACTS = join(PROJECT_ROOT, 'test-artifacts')
// A real H.264 MP4 of almost 5 MB, as a person would pick from their disk: larger than what the
// sockets between the browser and the server buffer, so a pause really stops it part-way.
const CLIP = generateMp4({ seconds: 10, width: 640, height: 480, seed: 7 })
const MB = (CLIP.length / 1e6).toFixed(1)

async function openPage (browser: Browser, origin: string, options: Parameters<Browser['newContext']>[0] = {}): Promise<{ context: BrowserContext, page: Page, problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options })
  await context.addInitScript(`localStorage.setItem('tomoviee-bff.apiKey', ${JSON.stringify(ALICE.key)})`)
  const page = await context.newPage()
  const { problems } = watch(page)
  await page.goto(`${origin}/#video-scoring`)
  await expect.poll(() => page.textContent('#connection')).toMatch(/^Connected/)
  return { context, page, problems }
}

describe.skipIf(skip)('uploading a file through the demo page', () => {
  let stack: Stack
  let browser: Browser
  let dir: string
  let simStopped = false
  let throttle: Throttle

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true })
    dir = mediaDir()
    // As in demo mode: the simulator fetches inputs on the BFF's host, as the real gateway would.
    stack = await startStack({ env: { MEDIA_DIR: dir }, sim: { fetchInputHosts: ['127.0.0.1'], progressCallbacks: true, processMs: 800, progressSteps: 3 } })
    const { hostname, port } = new URL(stack.url)
    throttle = await startThrottle({ host: hostname, port: Number(port) })
    browser = await launchChromium()
  }, BROWSER_TIMEOUT)

  afterAll(async () => {
    await browser?.close()
    await throttle?.close()
    if (simStopped) {
      await stack?.stopBff()
    } else {
      await stack?.close()
    }
    rmSync(dir, { recursive: true, force: true })
  })

  it('uploads a video with a pause, gets music for it, and plays the music after the simulator has stopped', async () => {
    // The page through a proxy that can slow what the browser sends, so the pause lands mid-way.
    const { context, page, problems } = await openPage(browser, throttle.url)
    try {
      throttle.setUploadRate(500 * 1024)

      await page.setInputFiles('#f-video-scoring-videoUrl-file', { name: 'skate.mp4', mimeType: 'video/mp4', buffer: CLIP })
      const field = page.locator('#f-video-scoring-videoUrl')
      const status = page.locator('.media-field .upload-status')
      await expect.poll(() => status.textContent(), { timeout: 20_000 }).toMatch(new RegExp(`^Uploading skate\\.mp4: [\\d.]+ [KM]B of ${MB} MB \\((?:[1-9]|[1-5]\\d) %\\)$`))
      expect(await field.inputValue()).toBe('')
      await page.click('.media-field .upload-toggle')
      await expect.poll(() => status.textContent(), { timeout: 20_000 }).toMatch(/^Paused at \d+ % \(skate\.mp4\)$/)
      expect(await page.textContent('.media-field .upload-toggle')).toBe('Resume')

      // Paused means stopped: the server holds part of the file and gets no more of it.
      const [staged] = await stack.bff.uploads.staged()
      const held = await stack.bff.uploads.datastore.getUpload(staged!.id)
      expect(held.size).toBe(CLIP.length)
      expect(held.offset).toBeGreaterThan(0)
      expect(held.offset).toBeLessThan(CLIP.length)
      // Creating the task now would send no file: the page says to wait instead.
      await page.click('#submit')
      await expect.poll(() => page.textContent('#form-error')).toMatch(/still uploading/)

      throttle.setUploadRate(Infinity)
      await page.click('.media-field .upload-toggle')
      await expect.poll(() => status.textContent(), { timeout: 20_000 }).toBe(`Uploaded skate.mp4 (${MB} MB). The task will use it.`)
      const reference = await field.inputValue()
      expect(reference).toMatch(/^upload:[0-9a-f]{32}$/)
      const stored = await stack.bff.uploads.find(ALICE.owner, reference.slice('upload:'.length))
      expect([stored?.size, stored?.contentType]).toEqual([CLIP.length, 'video/mp4'])

      await page.fill('#f-video-scoring-prompt', 'Calm piano for a skate clip')
      await page.click('#submit')
      const audio = page.locator('#outputs audio')
      await audio.waitFor({ timeout: 30_000 })
      await expect.poll(() => page.textContent('#task-status')).toMatch(/^Succeeded/)
      const taskId = (await page.textContent('#task-id'))!
      // The simulator fetched the upload through its signed link, every byte of it.
      const sim = [...stack.sim.simulator.tasks.values()].find((t) => t.body.params === taskId)!
      expect(sim.fetched).toEqual([{ field: 'file_link', url: expect.stringMatching(/\/media\/uploads\/.+\?expires=\d+&sig=/), status: 200, bytes: CLIP.length }])

      await stack.sim.close()
      simStopped = true
      // A fresh page after the simulator is gone: the music is the BFF's custody copy and still plays.
      await page.reload()
      await expect.poll(() => page.textContent('#connection')).toMatch(/^Connected/)
      await page.click(`#recent .task-item[data-id="${taskId}"]`)
      await expect.poll(() => audio.evaluate((el: { readyState: number }) => el.readyState), { timeout: 15_000 }).toBeGreaterThanOrEqual(1)
      expect(await audio.evaluate((el: { duration: number }) => el.duration)).toBeGreaterThan(0)
      const src = await audio.getAttribute('src')
      expect(src).toMatch(new RegExp(`^${stack.url}/media/outputs/`))
      // The same link without credentials (the page is served through the proxy, another origin).
      const res = await fetch(src!)
      const fetched = { status: res.status, type: res.headers.get('content-type'), bytes: (await res.arrayBuffer()).byteLength }
      expect(fetched.status).toBe(200)
      expect(fetched.type).toMatch(/^audio\//)
      expect(fetched.bytes).toBeGreaterThan(1000)
      await page.screenshot({ path: join(ARTIFACTS, 'demo-upload.png'), fullPage: true })
      expect(problems).toEqual([])
    } finally {
      await context.close()
    }
  }, 3 * BROWSER_TIMEOUT)

  it('on a phone: a file picker, no drag and drop, and a refused file said in words', async () => {
    const { context, page } = await openPage(browser, throttle.url, { viewport: { width: 375, height: 800 }, hasTouch: true, isMobile: true })
    try {
      expect(await page.isVisible('.media-field .upload-row button')).toBe(true)
      expect(await page.textContent('.media-field .upload-row button')).toBe('Upload a video…')
      expect(await page.isHidden('.media-field .drop-hint')).toBe(true)
      expect(await page.getAttribute('#f-video-scoring-videoUrl-file', 'accept')).toContain('video/mp4')

      // A file abandoned part-way for another, and a refused one, are deleted on the server: neither counts against the quota.
      throttle.setUploadRate(200 * 1024)
      await page.setInputFiles('#f-video-scoring-videoUrl-file', { name: 'long.mp4', mimeType: 'video/mp4', buffer: CLIP })
      await eventually(async () => (await stack.bff.uploads.staged()).length, (n) => n === 1, 20_000)
      throttle.setUploadRate(Infinity)

      // An HTML page named and typed as a video: the server reads its first bytes and refuses it.
      const html = Buffer.from('<!doctype html><html><body>not a video at all</body></html>')
      await page.setInputFiles('#f-video-scoring-videoUrl-file', { name: 'clip.mp4', mimeType: 'video/mp4', buffer: html })
      const status = page.locator('.media-field .upload-status')
      await expect.poll(() => status.textContent(), { timeout: 20_000 }).toBe('This file is not a supported video. Choose an MP4, MOV, WebM or MKV file.')
      await eventually(async () => (await stack.bff.uploads.staged()).length, (n) => n === 0, 20_000)
      expect(await page.isHidden('.media-field .upload-toggle')).toBe(true)
      expect(await page.inputValue('#f-video-scoring-videoUrl')).toBe('')

      // A picture in a video field is refused before it travels.
      await page.setInputFiles('#f-video-scoring-videoUrl-file', { name: 'cat.png', mimeType: 'image/png', buffer: Buffer.alloc(100) })
      await expect.poll(() => status.textContent()).toBe('This file is not a supported video. Choose an MP4, MOV, WebM or MKV file.')
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375)
      await page.screenshot({ path: join(ARTIFACTS, 'demo-upload-phone.png'), fullPage: true })
    } finally {
      await context.close()
    }
  }, BROWSER_TIMEOUT)
})
