import type { FastifyInstance } from 'fastify'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import type { Config } from '../../src/config.ts'
import { ALICE, dropClientConnections, freePort, testConfig } from '../helper.ts'
import { startEdrawmaxSimulator } from '../providers/edrawmax/harness.ts'
import { BROWSER_TIMEOUT, launchChromium, skipWithoutChromium, watch } from './browser.ts'

const skip = skipWithoutChromium('test/e2e/diagram.test.ts')

describe.skipIf(skip)('a diagram from the demo page', () => {
  let sim: Awaited<ReturnType<typeof startEdrawmaxSimulator>>
  let app: FastifyInstance
  let url: string
  let browser: Browser

  beforeAll(async () => {
    sim = await startEdrawmaxSimulator({ delayMs: 300 })
    const port = await freePort()
    const base = testConfig({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` })
    // EdrawMax in demo mode, pointed at the test's simulator as the server's `simulate` would.
    const config: Config = { ...base, edrawmax: { ...base.edrawmax, baseUrl: sim.baseUrl } }
    app = await buildApp({ config, logger: false })
    await app.listen({ host: '127.0.0.1', port })
    url = config.publicUrl
    browser = await launchChromium()
  }, BROWSER_TIMEOUT)

  afterAll(async () => {
    await browser?.close()
    await dropClientConnections()
    await app?.close()
    await sim?.sim.close()
  })

  it('renders the PNG, links the SVG and shows the Mermaid source of a flowchart', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    await context.addInitScript(`localStorage.setItem('tomoviee-bff.apiKey', ${JSON.stringify(ALICE.key)})`)
    const page = await context.newPage()
    const { problems } = watch(page)
    try {
      await page.goto(`${url}/#edrawmax-flowchart`)
      await expect.poll(() => page.textContent('#connection')).toMatch(/^Connected/)
      await page.fill('#f-edrawmax-flowchart-prompt', 'Order received, then packed, then shipped')
      await page.click('#submit')

      const image = page.locator('#outputs img').first()
      await image.waitFor({ timeout: 30_000 })
      await expect.poll(() => image.evaluate((el: { complete: boolean, naturalWidth: number }) => el.complete && el.naturalWidth > 0), { timeout: 10_000 }).toBe(true)

      // The SVG is a link to open, never markup put into the page.
      const link = page.locator('#outputs .output-vector a')
      expect(await link.getAttribute('href')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//)
      expect(await page.locator('#outputs svg').count()).toBe(0)
      const svg = await fetch(await link.getAttribute('href') as string)
      expect(svg.headers.get('content-type')).toMatch(/^image\/svg\+xml/)

      const source = page.locator('#outputs .output-source pre code')
      expect(await source.textContent()).toMatch(/^(flowchart|graph)\b/)
      expect(await page.textContent('#outputs .output-source figcaption')).toBe('Source (mermaid)')
      expect(problems).toEqual([])
    } finally {
      await context.close()
    }
  }, BROWSER_TIMEOUT)
})
