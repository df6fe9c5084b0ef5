import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateMp3, MP3_SAMPLE_RATE, mp3Frames, mp3ToMp4 } from '../../../src/providers/tencent/simulator/media.ts'
import { startTencentSimulator } from './harness.ts'

// Debian's Chromium, as in test/e2e: CI installs it; a developer without it is told so loudly.
const CHROMIUM = '/usr/bin/chromium'
const haveChromium = existsSync(CHROMIUM)
const skip = !haveChromium && !process.env.CI
if (skip) process.stderr.write(`\n!! test/providers/tencent/media.test.ts: browser part SKIPPED, ${CHROMIUM} is missing (apt-get install chromium)\n\n`)

function topLevelBoxes (mp4: Buffer): { type: string, size: number, at: number }[] {
  const boxes: { type: string, size: number, at: number }[] = []
  for (let at = 0; at < mp4.length;) {
    const size = mp4.readUInt32BE(at)
    boxes.push({ type: mp4.toString('latin1', at + 4, at + 8), size, at })
    if (size < 8) break
    at += size
  }
  return boxes
}

describe('the Tencent simulator\'s media files', () => {
  const mp3 = generateMp3({ seconds: 2, seed: 1 })

  it('MP3: back-to-back MPEG-1 Layer III frames covering the requested length', () => {
    const { sizes, sampleRate } = mp3Frames(mp3)
    expect(sampleRate).toBe(MP3_SAMPLE_RATE)
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(mp3.length)
    expect((sizes.length * 1152) / sampleRate).toBeGreaterThanOrEqual(2)
    expect((sizes.length * 1152) / sampleRate).toBeLessThan(2.2)
    // Not silence: the frames differ from one another.
    expect(new Set(sizes.map((_, i) => mp3.subarray(i * 200, i * 200 + 50).toString('hex'))).size).toBeGreaterThan(5)
  })

  it('MP4: ftyp, moov, then mdat holding exactly the MP3 frames, with an mp4a track of object type 0x6B', () => {
    const mp4 = mp3ToMp4(mp3)
    const boxes = topLevelBoxes(mp4)
    expect(boxes.map((b) => b.type)).toEqual(['ftyp', 'moov', 'mdat'])
    expect(boxes.reduce((a, b) => a + b.size, 0)).toBe(mp4.length)
    expect(mp4.subarray(boxes[2]!.at + 8).equals(mp3)).toBe(true)
    const moov = mp4.subarray(boxes[1]!.at, boxes[2]!.at)
    const esds = moov.indexOf('esds')
    expect(esds).toBeGreaterThan(0)
    expect(moov.indexOf(Buffer.from([0x04, 13, 0x6b, 0x15]), esds)).toBeGreaterThan(esds)
    // stco points at the first frame.
    const stco = moov.indexOf('stco')
    expect(moov.readUInt32BE(stco + 12)).toBe(boxes[2]!.at + 8)
  })

  describe.skipIf(skip)('in Chromium', () => {
    let browser: Browser
    let sim: Awaited<ReturnType<typeof startTencentSimulator>>
    beforeAll(async () => {
      if (!haveChromium) throw new Error(`${CHROMIUM} is missing; the browser check cannot run`)
      sim = await startTencentSimulator()
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--autoplay-policy=no-user-gesture-required'] })
    }, 60_000)
    afterAll(async () => {
      await browser?.close()
      await sim?.sim.close()
    })

    // A string, not a function: the test transform would add helpers the page does not have.
    const PLAY = `async (src) => {
      const a = document.createElement('audio')
      a.muted = true
      a.src = src
      await new Promise((resolve, reject) => { a.onloadedmetadata = resolve; a.onerror = () => reject(new Error('media error ' + (a.error && a.error.code))) })
      await a.play()
      await new Promise((resolve, reject) => {
        a.ontimeupdate = () => { if (a.currentTime > 0.3) resolve(null) }
        setTimeout(() => reject(new Error('did not play: currentTime ' + a.currentTime + ', error ' + (a.error && a.error.code))), 20000)
      })
      return { duration: a.duration, currentTime: a.currentTime }
    }`

    it.each(['mp3', 'mp4'] as const)('decodes and plays a %s result from the simulated storage', async (format) => {
      const create = await request(sim.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          action: 'CreateJob',
          secretId: 'AKIDtencent-test-secret-id-5e1f',
          secretKey: 'tencent-test-secret-key-never-log-9c2a',
          createJobRequest: { inputs: [{ url: 'https://h.example/a.png' }], outputs: [{ destination: '/m', smartContentDescriptor: { imageBgmGeneration: { songQuantity: 1, outputType: format === 'mp4' ? 2 : 1 } } }] }
        })
      })
      const id = ((await create.body.json()) as { createJobResponse: { job: { id: string } } }).createJobResponse.job.id
      await expect.poll(() => sim.sim.tencentSimulator.jobs.get(id)?.files.size, { timeout: 20_000 }).toBe(1)
      const [path] = [...sim.sim.tencentSimulator.jobs.get(id)!.files.keys()]
      const page = await browser.newPage()
      try {
        const played = await page.evaluate(`(${PLAY})(${JSON.stringify(`${sim.storage}${path}`)})`) as { duration: number, currentTime: number }
        expect(played.duration).toBeGreaterThan(1.5)
        expect(played.currentTime).toBeGreaterThan(0.3)
      } finally {
        await page.close()
      }
    }, 60_000)
  })
})
