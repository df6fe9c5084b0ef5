import { describe, expect, it } from 'vitest'
import { Webhook } from 'standardwebhooks'
import { createClient } from '../../packages/client/src/index.ts'
import { ALICE, bearer, eventually, startStack, type Stack } from '../helper.ts'
import { closeAfterEach, SECRET, startReceiver, type Receiver } from './receiver.ts'

let stack: Stack | undefined
let receiver: Receiver | undefined
closeAfterEach(() => stack, () => receiver)

async function create (s: Stack, webhookUrl: string): Promise<{ status: number, body: { id: string, code?: string, message?: string } }> {
  const res = await fetch(`${s.url}/v1/tasks/text-to-speech`, {
    method: 'POST',
    headers: { ...bearer(), 'content-type': 'application/json', 'webhook-url': webhookUrl },
    body: JSON.stringify({ text: 'hello' })
  })
  return { status: res.status, body: await res.json() as never }
}

describe('a per-task webhook URL', () => {
  it('on a private address is refused unless its host is on WEBHOOK_ALLOW_HOSTS', async () => {
    receiver = await startReceiver()
    stack = await startStack({ env: { WEBHOOK_DELIVERY_POLL_MS: '50' } })
    const off = await create(stack, receiver.url)
    expect(off.status).toBe(400)
    expect(off.body.message).toMatch(/WEBHOOK_ALLOW_HOSTS/)
    await stack.close()

    stack = await startStack({ env: { WEBHOOK_ALLOW_HOSTS: 'hooks.example.com', WEBHOOK_TASK_SECRET: SECRET } })
    for (const url of [receiver.url, 'http://10.0.0.7/hooks', 'https://169.254.169.254/latest', 'https://user:pw@hooks.example.com/x', 'https://other.example.com/x']) {
      const res = await create(stack, url)
      expect(res.status, url).toBe(400)
      expect(res.body.code).toBe('BFF_ERR_VALIDATION')
    }
    expect(receiver.received).toHaveLength(0)
  })

  it('on an allow-listed host gets every event of its task, signed with WEBHOOK_TASK_SECRET', async () => {
    receiver = await startReceiver()
    stack = await startStack({ env: { WEBHOOK_ALLOW_HOSTS: `127.0.0.1:${receiver.port}`, WEBHOOK_TASK_SECRET: SECRET, WEBHOOK_DELIVERY_POLL_MS: '50' } })
    const created = await create(stack, receiver.url)
    expect(created.status).toBe(202)
    const other = await fetch(`${stack.url}/v1/tasks/text-to-speech`, { method: 'POST', headers: { ...bearer(), 'content-type': 'application/json' }, body: JSON.stringify({ text: 'no hook' }) })
    const otherId = ((await other.json()) as { id: string }).id
    await eventually(async () => ((await (await fetch(`${stack!.url}/v1/tasks/${created.body.id}/deliveries`, { headers: bearer() })).json()) as { items: { event: string, state: string }[] }).items,
      (items) => items.some((d) => d.event === 'task.succeeded' && d.state === 'delivered'), 20_000)
    const wh = new Webhook(SECRET)
    const tasks = receiver.received.map((r) => (wh.verify(r.body, r.headers) as { data: { id: string } }).data.id)
    expect(new Set(tasks)).toEqual(new Set([created.body.id]))
    expect(tasks.length).toBeGreaterThanOrEqual(2)
    // The typed client reads the same view.
    const client = createClient({ baseUrl: stack.url, credentials: ALICE.key })
    expect(await client.deliveries(otherId)).toEqual([])
    const mine = await client.deliveries(created.body.id)
    expect(mine.map((d) => d.endpoint)).toEqual(mine.map(() => `127.0.0.1:${receiver!.port}`))
    expect(new Set(mine.map((d) => d.id))).toEqual(new Set(receiver.received.map((r) => r.id)))
  }, 30_000)
})
