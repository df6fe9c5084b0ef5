import type { AddressInfo } from 'node:net'
import Database from 'better-sqlite3'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { buildSimulator } from '../../src/providers/tomoviee/simulator/app.ts'
import { endpointKey } from '../../src/webhooks/endpoints.ts'
import { APP_KEY, APP_SECRET, bearer, eventually, freePort, tempDbPath } from '../helper.ts'
import { crashEnv, spawnBff, type BffProcess } from '../process.ts'
import { endpointsEnv, startReceiver, type Receiver } from './receiver.ts'

let sim: FastifyInstance | undefined
let bff: BffProcess | undefined
let receiver: Receiver | undefined
let db: ReturnType<typeof tempDbPath> | undefined

afterEach(async () => {
  if (bff && bff.child.exitCode === null) { bff.child.kill('SIGKILL'); await bff.exited }
  await sim?.close()
  await receiver?.close()
  db?.cleanup()
})

describe('webhook deliveries across kill -9', () => {
  it('a receiver down while the BFF is killed gets exactly the messages of the log after the restart', async () => {
    sim = await buildSimulator({ appKey: APP_KEY, appSecret: APP_SECRET, queueMs: 50, processMs: 300, progressSteps: 2, callbackRetries: 30, callbackRetryDelayMs: 100 })
    await sim.listen({ host: '127.0.0.1', port: 0 })
    db = tempDbPath()
    const port = await freePort()
    const receiverPort = await freePort()
    const hookUrl = `http://127.0.0.1:${receiverPort}/hooks`
    const url = `http://127.0.0.1:${port}`
    const env = {
      ...crashEnv({ port, databasePath: db.path, tomoviee: `http://127.0.0.1:${(sim.server.address() as AddressInfo).port}` }),
      WEBHOOK_ENDPOINTS: endpointsEnv(hookUrl),
      // Forty quick retries: the receiver stays down across several of them.
      WEBHOOK_RETRY_SCHEDULE: Array.from({ length: 40 }, () => '250ms').join(','),
      WEBHOOK_DELIVERY_TIMEOUT_MS: '1000',
      WEBHOOK_DELIVERY_POLL_MS: '50'
    }
    bff = await spawnBff(env, url)
    const ids: string[] = []
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${url}/v1/tasks/text-to-speech`, { method: 'POST', headers: { ...bearer(), 'content-type': 'application/json' }, body: JSON.stringify({ text: `line ${i} #delay=${100 * i}` }) })
      expect(res.status).toBe(202)
      ids.push(((await res.json()) as { id: string }).id)
    }
    // Some attempts have failed against the closed port by now; tasks are still running.
    await eventually(async () => ((await (await fetch(`${url}/v1/tasks/${ids[0]}/deliveries`, { headers: bearer() })).json()) as { items: { attempts: number }[] }).items,
      (items) => items.some((d) => d.attempts >= 1), 15_000)
    bff.child.kill('SIGKILL')
    await bff.exited

    receiver = await startReceiver({ port: receiverPort })
    bff = await spawnBff(env, url)
    const terminal = /^(succeeded|failed|canceled|timed_out)$/
    await eventually(async () => Promise.all(ids.map(async (id) => ((await (await fetch(`${url}/v1/tasks/${id}`, { headers: bearer() })).json()) as { status: string }).status)),
      (statuses) => statuses.every((s) => terminal.test(s)), 30_000)
    type Item = { id: string, state: string }
    await eventually(async () => Promise.all(ids.map(async (id) => ((await (await fetch(`${url}/v1/tasks/${id}/deliveries`, { headers: bearer() })).json()) as { items: Item[] }).items)),
      (lists) => lists.every((items) => items.length > 0 && items.every((d) => d.state === 'delivered')), 30_000)

    // The truth: every event the log holds, one message each.
    const file = new Database(db.path, { readonly: true })
    const events = file.prepare('SELECT id, task_id FROM events ORDER BY id').all() as { id: number, task_id: string }[]
    file.close()
    const key = endpointKey(hookUrl)
    const expected = new Set(events.map((e) => `msg_${e.task_id}_${e.id}_${key}`))
    expect(events.length).toBeGreaterThanOrEqual(ids.length * 2)
    expect(receiver.verifiedIds()).toEqual(expected)
    // Duplicates only as retries of one message: the same id always carries the same body.
    const bodies = new Map<string, string>()
    for (const r of receiver.received) {
      expect(bodies.get(r.id) ?? r.body).toBe(r.body)
      bodies.set(r.id, r.body)
    }
    process.stdout.write(`webhooks after kill -9: ${expected.size} messages, ${receiver.received.length} deliveries\n`)
  }, 90_000)
})
