import { afterEach, describe, expect, it } from 'vitest'
import { PROVIDERS } from '../../../src/providers/registry.ts'
import { ALICE, BOB, bearer, startStack, type Stack } from '../../helper.ts'

let stack: Stack | undefined
afterEach(async () => { await stack?.close(); stack = undefined })

const list = async (s: Stack, who = ALICE) => {
  const res = await fetch(`${s.url}/v1/providers`, { headers: bearer(who) })
  return { status: res.status, body: await res.json() as { items: Array<Record<string, unknown>>, code?: string } }
}

describe('GET /v1/providers', () => {
  it('lists every registry provider for an operator, and refuses other owners', async () => {
    stack = await startStack({ env: { OPERATOR_OWNERS: 'alice' } })
    const ok = await list(stack)
    expect(ok.status).toBe(200)
    expect(ok.body.items.map((p) => p.id)).toEqual(PROVIDERS.map((p) => p.id))
    const tomoviee = ok.body.items.find((p) => p.id === 'tomoviee')!
    expect(tomoviee).toMatchObject({ title: PROVIDERS[0]!.title, delivery: 'callback', mode: 'real', health: 'ok', circuit: { open: false } })
    // ToMoviee has no balance query: no entry, rather than an invented one.
    expect(tomoviee).not.toHaveProperty('balance')

    const refused = await list(stack, BOB)
    expect(refused.status).toBe(403)
    expect(refused.body.code).toBe('BFF_ERR_OPERATORS_ONLY')
    expect((await fetch(`${stack.url}/v1/providers`)).status).toBe(401)
  })

  it('is nobody\'s outside demo mode until OPERATOR_OWNERS names someone', async () => {
    stack = await startStack()
    expect((await list(stack)).status).toBe(403)
  })

  it('shows a provider whose circuit has opened as failing', async () => {
    stack = await startStack({ env: { OPERATOR_OWNERS: 'alice', CIRCUIT_FAILURE_THRESHOLD: '1', CIRCUIT_COOLDOWN_MS: '600000', CREATE_RETRIES: '0' } })
    const sim = stack.sim.server
    await new Promise<void>((resolve) => { sim.close(() => resolve()); sim.closeAllConnections() })
    const create = await fetch(`${stack.url}/v1/tasks/text-to-speech`, {
      method: 'POST',
      headers: { ...bearer(), 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'x' })
    })
    expect(((await create.json()) as { code: string }).code).toBe('BFF_ERR_UPSTREAM_UNAVAILABLE')
    const tomoviee = (await list(stack)).body.items.find((p) => p.id === 'tomoviee')
    expect(tomoviee).toMatchObject({ health: 'failing', circuit: { open: true, consecutiveFailures: 1 } })
  })
})
