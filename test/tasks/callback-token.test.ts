import { describe, expect, it } from 'vitest'
import { hashToken, newCallbackToken, tokenMatches } from '../../src/tasks/callback-token.ts'

describe('callback tokens from the pooled random source', () => {
  it('hands out distinct 256-bit tokens across several pool refills, each matching its own hash only', () => {
    const seen = new Set<string>()
    let previous: { token: string, hash: string } | undefined
    for (let i = 0; i < 1000; i++) {
      const t = newCallbackToken()
      expect(t.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect(t.hash).toBe(hashToken(t.token))
      expect(tokenMatches(t.token, t.hash)).toBe(true)
      if (previous) expect(tokenMatches(previous.token, t.hash)).toBe(false)
      seen.add(t.token)
      previous = t
    }
    expect(seen.size).toBe(1000)
  })

  it('never hands out the all-zero token a wiped pool slot would give', () => {
    const zero = Buffer.alloc(32).toString('base64url')
    for (let i = 0; i < 300; i++) expect(newCallbackToken().token).not.toBe(zero)
  })
})
