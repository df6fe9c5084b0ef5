import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest'
import { PROJECT_ROOT } from '../../src/meta.ts'
import { ALICE, BOB, bearer, createTask, eventually, startStack, type Stack } from '../helper.ts'
import { BROWSER_TIMEOUT, holdFirstAnswer, launchChromium, skipWithoutChromium, timeline, watch } from './browser.ts'

const skip = skipWithoutChromium('test/e2e/demo.test.ts')
const ARTIFACTS = join(PROJECT_ROOT, 'test-artifacts')

describe.skipIf(skip)('the demo page in Chromium', () => {
  let stack: Stack
  let browser: Browser

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true })
    // As in demo mode: the simulator reports progress, slowly enough for the bar to be seen moving.
    // A short SSE retry keeps the reconnect test quick.
    stack = await startStack({ env: { SSE_RETRY_MS: '300' }, sim: { progressCallbacks: true, processMs: 1500, progressSteps: 5 } })
    browser = await launchChromium()
  }, BROWSER_TIMEOUT)

  afterAll(async () => {
    await browser?.close()
    await stack?.close()
  })

  it('creates a video-scoring task, shows its progress live and plays the audio', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await context.newPage()
    try {
      await page.goto(`${stack.url}/`)
      await expect.poll(() => page.inputValue('#api-key')).toBe('dev-key')
      await page.fill('#api-key', ALICE.key)
      await page.click('#key-form button[type=submit]')
      await expect.poll(() => page.textContent('#connection')).toMatch(/^Connected/)

      await page.selectOption('#capability', 'video-scoring')
      // The form is generated from the capability's JSON Schema and prefilled with its example.
      expect(await page.inputValue('#f-video-scoring-videoUrl')).toBe('https://example.com/clips/skate.mp4')
      expect(await page.getAttribute('#f-video-scoring-duration', 'type')).toBe('number')
      expect(await page.getAttribute('#f-video-scoring-duration', 'max')).toBe('900')
      expect(await page.locator('label[for="f-video-scoring-prompt"] .req').count()).toBe(1)

      // Every value the bar takes, with whether the result was already shown, so no step is missed between polls.
      await page.evaluate(`(() => {
        const bar = document.getElementById('task-progress')
        window.__progress = []
        new MutationObserver(() => window.__progress.push({ value: bar.value, done: document.querySelector('#outputs audio') !== null }))
          .observe(bar, { attributes: true, attributeFilter: ['value'] })
      })()`)
      await page.click('#submit')

      const audio = page.locator('#outputs audio')
      await audio.waitFor({ timeout: 15_000 })
      await expect.poll(() => page.textContent('#task-status')).toMatch(/^Succeeded/)
      const seen = await page.evaluate('window.__progress') as { value: number, done: boolean }[]
      expect(seen.some((s) => s.value > 0 && s.value < 100 && !s.done), JSON.stringify(seen)).toBe(true)
      expect(await page.getAttribute('#task-progress', 'value')).toBe('100')

      // The generated WAV (the BFF's custody copy, a signed link without credentials) actually loads under the page's CSP.
      await expect.poll(() => audio.evaluate((el: { readyState: number }) => el.readyState), { timeout: 10_000 }).toBeGreaterThanOrEqual(1)
      expect(await audio.evaluate((el: { duration: number }) => el.duration)).toBeGreaterThan(0)
      expect(await page.getAttribute('#outputs a', 'href')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/media\/outputs\/.+\?expires=\d+&sig=/)

      // The recent tasks list got the task over the owner's event stream.
      await page.waitForSelector('#recent .task-item[aria-current="true"] .badge-succeeded')
      expect(await page.evaluate('localStorage.getItem("tomoviee-bff.apiKey")')).toBe(ALICE.key)
      await page.screenshot({ path: join(ARTIFACTS, 'demo.png'), fullPage: true })
    } finally {
      await context.close()
    }
  }, BROWSER_TIMEOUT)

  it('runs without console errors or CSP violations, and fits a phone screen', async () => {
    const response = await fetch(`${stack.url}/`)
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'")

    const context = await browser.newContext({ viewport: { width: 375, height: 800 } })
    // A returning user: the key is already stored, so the page never calls the API with a wrong one.
    await context.addInitScript(`localStorage.setItem('tomoviee-bff.apiKey', ${JSON.stringify(ALICE.key)})
      window.__csp = []
      document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI))`)
    const page = await context.newPage()
    const { problems } = watch(page)
    try {
      await page.goto(`${stack.url}/`)
      await expect.poll(() => page.textContent('#connection')).toMatch(/^Connected/)
      // Every capability's form renders.
      const names = await page.locator('#capability option').evaluateAll((options: { value: string }[]) => options.map((o) => o.value))
      expect(names.length).toBeGreaterThanOrEqual(11)
      for (const name of names) {
        await page.selectOption('#capability', name)
        expect(await page.locator('#fields .field').count()).toBeGreaterThan(0)
      }
      // Images from the simulator (img-src) load too.
      await page.selectOption('#capability', 'image-to-image')
      await page.click('#submit')
      const image = page.locator('#outputs img').first()
      await image.waitFor({ timeout: 15_000 })
      await expect.poll(() => image.evaluate((el: { complete: boolean, naturalWidth: number }) => el.complete && el.naturalWidth > 0), { timeout: 10_000 }).toBe(true)

      // Capabilities read as words first, where a phone's select cuts the text short.
      expect(await page.locator('#capability option:checked').textContent()).toBe('New images from a reference image (image-to-image)')
      const current = page.locator('#recent .task-item[aria-current="true"] .task-cap')
      await current.waitFor()
      expect(await current.textContent()).toBe('New images from a reference image')
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375)
      await page.screenshot({ path: join(ARTIFACTS, 'demo-phone.png'), fullPage: true })
      expect(await page.evaluate('window.__csp')).toEqual([])
      expect(problems).toEqual([])
    } finally {
      await context.close()
    }
  }, BROWSER_TIMEOUT)

  it('says what is wrong with a value once, at its field, in words', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    await context.addInitScript(`localStorage.setItem('tomoviee-bff.apiKey', ${JSON.stringify(ALICE.key)})`)
    const page = await context.newPage()
    try {
      await page.goto(`${stack.url}/#video-scoring`)
      await expect.poll(() => page.textContent('#connection')).toMatch(/^Connected/)
      await page.fill('#f-video-scoring-prompt', '')
      await page.fill('#f-video-scoring-duration', '2000')
      await page.click('#submit')
      await expect.poll(() => page.textContent('#form-error')).toBe('Please check the highlighted fields.')
      const errors = await page.locator('.field-error').evaluateAll((nodes: { textContent: string | null }[]) => nodes.map((n) => n.textContent).filter(Boolean))
      expect(errors.sort()).toEqual(['Must be 900 or less.', 'Required.'])
      expect(await page.getAttribute('#f-video-scoring-duration', 'aria-invalid')).toBe('true')
    } finally {
      await context.close()
    }
  }, BROWSER_TIMEOUT)

  it('shows a failed task as failed, dates tasks that are not from today, and forgets them for another key', async () => {
    const failed = await createTask(stack, { prompt: 'Doomed #fail' })
    // Failed before the page opens: this test is about how a failed task looks, not about catching
    // the failure live (the live path has its own tests).
    await eventually(async () => ((await (await fetch(`${stack.url}/v1/tasks/${failed.id}`, { headers: bearer(ALICE) })).json()) as { status: string }).status, (s) => s === 'failed', 30_000)
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' })
    await context.addInitScript(`localStorage.setItem('tomoviee-bff.apiKey', ${JSON.stringify(ALICE.key)})`)
    const page = await context.newPage()
    // The page believes it is two days later: every task is from another day.
    await page.clock.setFixedTime(new Date(Date.now() + 2 * 86_400_000))
    try {
      await page.goto(`${stack.url}/`)
      const item = page.locator(`#recent .task-item[data-id="${failed.id}"]`)
      await item.locator('.badge-failed').waitFor({ timeout: 20_000 })
      expect(await item.locator('time').textContent()).toMatch(/^\d{1,2}\/\d{1,2}\/\d{4} /)
      await item.click()
      await expect.poll(() => page.textContent('#task-status')).toMatch(/^Failed/)
      expect(await page.isVisible('#task-error')).toBe(true)
      expect(await page.isHidden('#task-progress')).toBe(true)

      // Another key is another owner: Alice's task leaves the screen.
      await page.fill('#api-key', BOB.key)
      await page.click('#key-form button[type=submit]')
      await expect.poll(() => page.textContent('#connection')).toMatch(/^Connected/)
      await expect.poll(() => page.isHidden('#task-view')).toBe(true)
      expect(await item.count()).toBe(0)
    } finally {
      await context.close()
    }
  }, BROWSER_TIMEOUT)

  it('creates a task with labels, shows them, and cancels it from the card: canceled by its event', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    await context.addInitScript(`localStorage.setItem('tomoviee-bff.apiKey', ${JSON.stringify(ALICE.key)})`)
    const page = await context.newPage()
    // The cancel's answer is held back after the server has acted on it: what the card shows
    // meanwhile came from the task.canceled event, and the button stays disabled until the answer.
    const cancelAnswer = await holdFirstAnswer(page, '**/v1/tasks/*/cancel')
    try {
      await page.goto(`${stack.url}/`)
      await expect.poll(() => page.textContent('#connection')).toMatch(/^Connected/)
      await page.selectOption('#capability', 'video-scoring')
      await page.fill('#f-video-scoring-prompt', 'Wait for me #hang')
      await page.click('#metadata-add')
      await page.fill('.metadata-row:nth-child(1) .metadata-key', 'orderId')
      await page.fill('.metadata-row:nth-child(1) .metadata-value', 'o-4711')
      await page.click('#metadata-add')
      await page.fill('.metadata-row:nth-child(2) .metadata-key', 'note')
      await page.fill('.metadata-row:nth-child(2) .metadata-value', '<b>not markup</b>')
      await page.click('#submit')

      await expect.poll(() => page.textContent('#task-status')).toMatch(/^Queued|^Processing/)
      await expect.poll(() => page.textContent('#task-metadata')).toBe('orderIdo-4711note<b>not markup</b>')
      expect(await page.locator('#task-metadata b').count()).toBe(0)
      const taskId = (await page.textContent('#task-id'))!
      const upstream = await eventually(() => [...stack.sim.simulator.tasks.values()].find((t) => t.body.params === taskId), (t) => t !== undefined, 10_000)
      expect(JSON.stringify(upstream!.body)).not.toMatch(/metadata|o-4711|orderId/)

      expect(await page.isVisible('#task-cancel')).toBe(true)
      await page.click('#task-cancel')
      await expect.poll(() => page.textContent('#task-status'), { timeout: 15_000 }).toMatch(/^Canceled/)
      expect(await page.isDisabled('#task-cancel')).toBe(true)
      expect(await page.textContent('#task-error')).toMatch(/BFF_ERR_TASK_CANCELED/)
      cancelAnswer.release()
      // Hidden since the event showed the task finished; enabled again once the held answer is in.
      await expect.poll(() => page.isHidden('#task-cancel')).toBe(true)
      await expect.poll(() => page.isDisabled('#task-cancel')).toBe(false)
      const res = await fetch(`${stack.url}/v1/tasks/${taskId}`, { headers: bearer(ALICE) })
      expect(await res.json()).toMatchObject({ status: 'canceled', metadata: { orderId: 'o-4711', note: '<b>not markup</b>' } })
    } finally {
      cancelAnswer.release()
      await context.close()
    }
  }, BROWSER_TIMEOUT)

  it('mints a new stream token when a reconnect is refused, and keeps the recent tasks live', { timeout: 2 * BROWSER_TIMEOUT }, async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    await context.addInitScript(`localStorage.setItem('tomoviee-bff.apiKey', ${JSON.stringify(ALICE.key)})`)
    const page = await context.newPage()
    const seen = timeline(page)
    onTestFailed(() => { console.log(`timeline of the failed reconnect test:\n${seen.text()}`) })
    try {
      await page.goto(`${stack.url}/`)
      await expect.poll(() => page.textContent('#connection')).toMatch(/^Connected/)
      await page.waitForSelector('#recent li')
      // A restarted BFF signs stream tokens with a new per-process key: EventSource's reconnect gets
      // a 401 and gives up, and only a freshly minted token brings the list back to life. Its
      // database is in memory, so the page's Last-Event-ID is beyond the new log: the resume gets
      // a reset, and the new task's events (numbered from 1 again) still reach the list.
      seen.step('stopping the BFF')
      await stack.stopBff()
      seen.step('starting it again')
      await stack.startBff()
      const task = await createTask(stack, { prompt: 'After the restart' })
      seen.step(`created ${task.id}`)
      // The page backs off exponentially (1 s, 2 s, 4 s, ... up to 30 s) while the BFF is down, so on
      // a loaded machine a slow restart can put its next attempt 16 s or more after the BFF is back.
      await page.waitForSelector(`#recent .task-item[data-id="${task.id}"] .badge-succeeded`, { timeout: 60_000 })
    } finally {
      await context.close()
    }
  })
})
