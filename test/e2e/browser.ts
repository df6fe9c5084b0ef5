import { existsSync } from 'node:fs'
import { chromium, type Browser, type Page } from 'playwright-core'

// Debian's Chromium, never a downloaded browser: CI installs it (.ci/run), developers may not have it.
export const CHROMIUM = '/usr/bin/chromium'
export const haveChromium = existsSync(CHROMIUM)
export const BROWSER_TIMEOUT = 60_000

/** True (and says so loudly) when the browser tests of `file` cannot run here; in CI they must. */
export function skipWithoutChromium (file: string): boolean {
  const skip = !haveChromium && !process.env.CI
  if (skip) {
    process.stderr.write(`\n${'!'.repeat(78)}\n!! ${file} SKIPPED: ${CHROMIUM} is missing.\n!! Install it with: apt-get update && apt-get install -y chromium\n${'!'.repeat(78)}\n\n`)
  }
  return skip
}

export async function launchChromium (): Promise<Browser> {
  // In CI a missing browser is a failure, not a skip.
  if (!haveChromium) throw new Error(`${CHROMIUM} is missing; the browser tests cannot run`)
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required']
  })
}

/** Console errors, uncaught exceptions and CSP violations of one page, collected as they happen. */
export function watch (page: Page): { problems: string[] } {
  const problems: string[] = []
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`) })
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`))
  return { problems }
}

export interface HeldAnswer {
  /** How many requests matched so far, the held one included. */
  matched: () => number
  /** Lets the held answer go (idempotent). */
  release: () => void
  /** Resolves once the held answer has reached the page. */
  answered: Promise<void>
}

/**
 * Holds back the answer to the first request matching `url`: the server sees and answers the
 * request at once, the page gets that answer only on `release()`. Later matches pass through.
 */
export async function holdFirstAnswer (page: Page, url: string | RegExp): Promise<HeldAnswer> {
  let matched = 0
  let release!: () => void
  const released = new Promise<void>((resolve) => { release = resolve })
  let answeredNow!: () => void
  const answered = new Promise<void>((resolve) => { answeredNow = resolve })
  await page.route(url, async (route) => {
    if (++matched > 1) return await route.continue()
    const response = await route.fetch()
    await released
    await route.fulfill({ response })
    answeredNow()
  })
  return { matched: () => matched, release, answered }
}

/**
 * What a page asked for and logged, and the test's own steps, with milliseconds since the start:
 * printed when the test fails, so a failure that a loaded machine shows once can be read.
 */
export function timeline (page: Page): { step: (what: string) => void, text: () => string } {
  const t0 = Date.now()
  const lines: string[] = []
  const add = (what: string): void => { lines.push(`${String(Date.now() - t0).padStart(6)} ms  ${what}`) }
  page.on('request', (r) => add(`request ${r.method()} ${new URL(r.url()).pathname}`))
  page.on('response', (r) => add(`response ${r.status()} ${new URL(r.url()).pathname}`))
  page.on('requestfailed', (r) => add(`request failed ${new URL(r.url()).pathname}: ${r.failure()?.errorText ?? ''}`))
  page.on('console', (m) => add(`console.${m.type()} ${m.text()}`))
  return { step: (what) => add(`test: ${what}`), text: () => lines.join('\n') }
}
