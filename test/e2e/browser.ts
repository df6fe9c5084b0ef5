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
