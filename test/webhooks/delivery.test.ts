import { describe, expect, it } from 'vitest'
import { Webhook } from 'standardwebhooks'
import { WebhookPayloadSchema } from '../../src/webhooks/payload.ts'
import { BOB, bearer, createTask, eventually, startStack, type Stack } from '../helper.ts'
import { closeAfterEach, endpointsEnv, SECRET, startReceiver, type Receiver } from './receiver.ts'

let stack: Stack | undefined
let receiver: Receiver | undefined
closeAfterEach(() => stack, () => receiver)

const FAST = { WEBHOOK_RETRY_SCHEDULE: '50ms,100ms,200ms', WEBHOOK_DELIVERY_POLL_MS: '50' }

async function deliveries (s: Stack, taskId: string, who = undefined as { key: string } | undefined): Promise<{ status: number, body: { items: { id: string, event: string, endpoint: string, state: string, attempts: number, lastStatus: number | null, nextAttemptAt: string | null }[] } }> {
  const res = await fetch(`${s.url}/v1/tasks/${taskId}/deliveries`, { headers: bearer(who) })
  return { status: res.status, body: await res.json() as never }
}

describe('webhook deliveries', () => {
  it('signs every event of a task per Standard Webhooks, verified with the standardwebhooks library', async () => {
    receiver = await startReceiver()
    stack = await startStack({ env: { WEBHOOK_ENDPOINTS: endpointsEnv(receiver.url), METRICS_TOKEN: 'metrics-token-0123456789', ...FAST } })
    const task = await createTask(stack, { prompt: 'calm' })
    const final = await eventually(() => deliveries(stack!, task.id), (d) => d.body.items.some((i) => i.event === 'task.succeeded' && i.state === 'delivered'), 20_000)
    expect(final.body.items.every((i) => i.state === 'delivered' && i.attempts === 1 && i.lastStatus === 204 && i.endpoint === `127.0.0.1:${receiver!.port}`)).toBe(true)

    const wh = new Webhook(SECRET)
    const bodies = receiver.received.map((r) => wh.verify(r.body, r.headers))
    // Exactly the schema the client's WebhookPayload type is generated from: parsing drops nothing.
    const payloads = bodies.map((b) => WebhookPayloadSchema.parse(b))
    expect(payloads).toEqual(bodies)
    expect(payloads.map((p) => p.type)).toEqual(final.body.items.map((i) => i.event))
    expect(payloads.every((p) => p.data.id === task.id && p.type === `task.${p.data.status}` && !Number.isNaN(Date.parse(p.timestamp)))).toBe(true)
    expect(receiver.received.map((r) => r.id)).toEqual(final.body.items.map((i) => i.id))
    expect(receiver.received[0]!.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/)
    // A forged body fails verification.
    expect(() => wh.verify(receiver!.received[0]!.body.replace(task.id, 'x'), receiver!.received[0]!.headers)).toThrow()

    // Another owner sees a 404, as for the task itself.
    expect((await deliveries(stack, task.id, BOB)).status).toBe(404)
    const metrics = await (await fetch(`${stack.url}/metrics`, { headers: { authorization: 'Bearer metrics-token-0123456789' } })).text()
    expect(metrics).toMatch(new RegExp(`bff_webhook_deliveries_total\\{endpoint="127.0.0.1:${receiver.port}",outcome="delivered"\\} [1-9]`))
  }, 30_000)

  it('retries a 500 with the same webhook-id, and filters by event and owner', async () => {
    receiver = await startReceiver()
    receiver.answer = (_req, res, n) => { res.statusCode = n === 1 ? 500 : 200; res.end('ok') }
    stack = await startStack({ env: { WEBHOOK_ENDPOINTS: endpointsEnv(receiver.url, { events: ['task.succeeded'], owners: ['alice'] }), ...FAST } })
    await createTask(stack, { prompt: 'calm' }, BOB)
    const task = await createTask(stack, { prompt: 'calm' })
    const d = await eventually(() => deliveries(stack!, task.id), (x) => x.body.items[0]?.state === 'delivered', 20_000)
    expect(d.body.items).toHaveLength(1)
    expect(d.body.items[0]).toMatchObject({ event: 'task.succeeded', attempts: 2, lastStatus: 200, nextAttemptAt: null })
    expect(receiver.received.map((r) => r.id)).toEqual([d.body.items[0]!.id, d.body.items[0]!.id])
    expect(receiver.received[0]!.body).toBe(receiver.received[1]!.body)
    expect(receiver.verifiedIds().size).toBe(1)
  }, 30_000)

  it('gives up after the schedule, and a redeliver sends the same message again', async () => {
    receiver = await startReceiver()
    let fail = true
    receiver.answer = (_req, res) => { res.statusCode = fail ? 503 : 200; res.end() }
    stack = await startStack({ env: { WEBHOOK_ENDPOINTS: endpointsEnv(receiver.url, { events: ['task.queued'] }), ...FAST } })
    const task = await createTask(stack, { prompt: 'calm' })
    const given = await eventually(() => deliveries(stack!, task.id), (x) => x.body.items[0]?.state === 'failed', 20_000)
    expect(given.body.items[0]).toMatchObject({ attempts: 4, lastStatus: 503, nextAttemptAt: null })
    fail = false
    const id = given.body.items[0]!.id
    const res = await fetch(`${stack.url}/v1/tasks/${task.id}/deliveries/${id}/redeliver`, { method: 'POST', headers: bearer() })
    expect(res.status).toBe(202)
    await eventually(() => deliveries(stack!, task.id), (x) => x.body.items[0]?.state === 'delivered', 20_000)
    expect(new Set(receiver.received.map((r) => r.id))).toEqual(new Set([id]))
    expect(receiver.received).toHaveLength(5)
    const missing = await fetch(`${stack.url}/v1/tasks/${task.id}/deliveries/msg_nope/redeliver`, { method: 'POST', headers: bearer() })
    expect(missing.status).toBe(404)
    expect(((await missing.json()) as { code: string }).code).toBe('BFF_ERR_DELIVERY_NOT_FOUND')
    const foreign = await fetch(`${stack.url}/v1/tasks/${task.id}/deliveries/${id}/redeliver`, { method: 'POST', headers: bearer(BOB) })
    expect(foreign.status).toBe(404)
  }, 30_000)
})
