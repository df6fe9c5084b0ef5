import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ALICE, bearer, startStack, type Stack } from '../helper.ts'
import { API_KEY, FAST_POLLING, startMediaioSimulator } from '../providers/mediaio/harness.ts'
import { BROWSER_TIMEOUT, launchChromium, skipWithoutChromium, watch } from './browser.ts'

const skip = skipWithoutChromium('test/e2e/mediaio.test.ts')

describe.skipIf(skip)('a Media.io model with a list of images, from the demo page', () => {
  let mediaio: Awaited<ReturnType<typeof startMediaioSimulator>>
  let stack: Stack
  let browser: Browser

  beforeAll(async () => {
    mediaio = await startMediaioSimulator()
    stack = await startStack({ env: { MEDIAIO_BASE_URL: mediaio.origin, MEDIAIO_API_KEY: API_KEY, ...FAST_POLLING } })
    browser = await launchChromium()
  }, BROWSER_TIMEOUT)

  afterAll(async () => {
    await browser?.close()
    await stack?.close()
    await mediaio?.sim.close()
  })

  it('sends the reference images one per line as a list, and shows the generated image', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    await context.addInitScript(`localStorage.setItem('tomoviee-bff.apiKey', ${JSON.stringify(ALICE.key)})`)
    const page = await context.newPage()
    const { problems } = watch(page)
    try {
      await page.goto(`${stack.url}/#mediaio-i2i-banana`)
      await expect.poll(() => page.textContent('#connection')).toMatch(/^Connected/)
      const field = page.locator('#f-mediaio-i2i-banana-imageUrls')
      // Prefilled from the capability's example, one URL per line.
      expect(await field.inputValue()).toBe('https://example.com/refs/portrait.png')
      await field.fill('https://example.com/refs/portrait.png\nhttps://example.com/refs/profile.png')
      await page.click('#submit')

      const image = page.locator('#outputs img').first()
      await image.waitFor({ timeout: 30_000 })
      await expect.poll(() => image.evaluate((el: { complete: boolean, naturalWidth: number }) => el.complete && el.naturalWidth > 0), { timeout: 10_000 }).toBe(true)

      const list = await (await fetch(`${stack.url}/v1/tasks?capability=mediaio-i2i-banana`, { headers: bearer(ALICE) })).json() as { items: { input: { imageUrls: string[] } }[] }
      expect(list.items[0]!.input.imageUrls).toEqual(['https://example.com/refs/portrait.png', 'https://example.com/refs/profile.png'])
      expect(problems).toEqual([])
    } finally {
      await context.close()
    }
  }, BROWSER_TIMEOUT)
})
