import { afterEach, describe, expect, it } from 'vitest'
import { startStack, type Stack } from '../helper.ts'

let stack: Stack | undefined
afterEach(async () => { await stack?.close(); stack = undefined })

/** Failed logins whose X-Forwarded-For starts with a fresh, client-written address each time. */
async function guesses (s: Stack, n: number, realClient?: string): Promise<number[]> {
  const statuses: number[] = []
  for (let i = 0; i < n; i++) {
    const forged = `198.51.100.${i + 1}`
    // A load balancer appends the address it saw; a client can only write what comes before.
    const xff = realClient === undefined ? forged : `${forged}, ${realClient}`
    const res = await fetch(`${s.url}/v1/tasks`, { headers: { authorization: `Bearer wrong-key-${i}`, 'x-forwarded-for': xff } })
    await res.arrayBuffer()
    statuses.push(res.status)
  }
  return statuses
}

describe('client addresses behind proxies', () => {
  const env = { RATE_LIMIT_AUTH_FAILURES_MAX: '5' }

  it('ignores X-Forwarded-For by default, so rotating it buys no extra guesses', async () => {
    stack = await startStack({ env })
    const statuses = await guesses(stack, 12)
    expect(statuses.slice(0, 5).every((st) => st === 401)).toBe(true)
    expect(statuses.slice(5).every((st) => st === 429)).toBe(true)
  })

  it('with a hop count, takes the address the proxy appended, not what the client wrote', async () => {
    stack = await startStack({ env: { ...env, TRUST_PROXY: '1' } })
    const statuses = await guesses(stack, 12, '203.0.113.7')
    expect(statuses.filter((st) => st === 401)).toHaveLength(5)
    expect(statuses.slice(5).every((st) => st === 429)).toBe(true)
    // Another real client behind the same proxy has its own budget.
    expect((await guesses(stack, 1, '203.0.113.8'))[0]).toBe(401)
  })

  it('with proxy addresses, believes only entries those proxies added', async () => {
    stack = await startStack({ env: { ...env, TRUST_PROXY: '127.0.0.0/8' } })
    const statuses = await guesses(stack, 12, '203.0.113.9')
    expect(statuses.filter((st) => st === 401)).toHaveLength(5)
    expect(statuses.slice(5).every((st) => st === 429)).toBe(true)
  })
})
