import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { CAPABILITIES } from '../../src/tasks/capabilities/index.ts'
import { ALICE, bearer, callbackUrlOf, createTask, dropClientConnections, eventually, getTask, startStack, testConfig, type Stack } from '../helper.ts'
import { callbackOf, stubGateway } from './stub-gateway.ts'

let stack: Stack | undefined
let app: FastifyInstance | undefined
afterEach(async () => {
  await stack?.close()
  stack = undefined
  await dropClientConnections()
  await app?.close()
  app = undefined
})

const INTERNAL_NAMES = [
  'https://metadata.google.internal/computeMetadata/v1/',
  'https://169.254.169.254.nip.io/latest/meta-data/',
  'https://10-0-0-1.sslip.io/a.mp4',
  'https://kubernetes.default.svc/api',
  'https://db.default.svc.cluster.local/a.mp4',
  'https://instance-data/latest/',
  'https://localhost.localdomain/a.mp4',
  'https://ip6-localhost/a.mp4',
  'https://printer.local/a.mp4',
  'https://app.localtest.me/a.mp4',
  'https://files.corp.example.com/a.mp4'
]

async function taskCount (s: Stack): Promise<number> {
  return ((await (await fetch(`${s.url}/v1/tasks?limit=100`, { headers: bearer(ALICE) })).json()) as { items: unknown[] }).items.length
}

describe('input URLs by name', () => {
  it('refuses internal names and private wildcard-DNS names on every URL field, before the gateway sees anything', async () => {
    stack = await startStack({ env: { INPUT_DENY_HOSTS: '.corp.example.com' } })
    const s = stack
    const before = await taskCount(s)
    for (const def of CAPABILITIES) {
      for (const field of Object.keys(def.media)) {
        for (const bad of INTERNAL_NAMES) {
          const res = await fetch(`${s.url}/v1/tasks/${def.name}`, {
            method: 'POST',
            headers: { ...bearer(), 'content-type': 'application/json' },
            body: JSON.stringify({ ...def.example as object, [field]: bad })
          })
          const body = await res.json() as { code: string, issues: { path: string }[] }
          expect(res.status, `${def.name}.${field} = ${bad}`).toBe(400)
          expect(body.code).toBe('BFF_ERR_VALIDATION')
          expect(body.issues.map((i) => i.path)).toContain(`body.${field}`)
        }
      }
    }
    expect(await taskCount(s)).toBe(before)
    expect(s.sim.simulator.tasks.size).toBe(0)
    // A public wildcard-DNS name is fine.
    expect((await createTask(s, { videoUrl: 'https://8.8.8.8.nip.io/a.mp4', prompt: 'ok' })).status).toBe('queued')
  })
})

const HOSTILE_OUTPUTS = [
  'http://169.254.169.254/latest/meta-data/iam/',
  'http://127.0.0.1:6379/',
  'https://cdn.example.com/a.wav"\n<script>',
  'https://metadata.google.internal/a.wav'
]

async function postCallback (url: string, body: object): Promise<number> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  await res.arrayBuffer()
  return res.status
}

describe('output URLs', () => {
  it.each(HOSTILE_OUTPUTS)('from a callback (verification off): %j fails the task, and never reaches a client', async (bad) => {
    stack = await startStack({ env: { WEBHOOK_VERIFY: 'false' }, sim: { queueMs: 60_000 } })
    const s = stack
    const task = await createTask(s, { prompt: 'victim' })
    const callback = callbackUrlOf(s, task.id)
    const upstreamId = [...s.sim.simulator.tasks.keys()][0]!
    expect(await postCallback(callback, { task_id: upstreamId, status: 3, result: JSON.stringify({ audio_path: bad }) })).toBe(200)
    const after = (await getTask(s, task.id)).body
    expect(after).toMatchObject({ status: 'failed', outputs: [], error: { code: 'BFF_ERR_TASK_BAD_RESULT' } })
    const events = await (await fetch(`${s.url}/v1/tasks/${task.id}/events?lastEventId=0`, { headers: bearer() })).text()
    expect(events).not.toContain(bad.slice(0, 20))
  })

  it('from the result endpoint (verification on) is held to the same policy', async () => {
    const gw = stubGateway()
    app = await buildApp({ config: testConfig({ WEBHOOK_VERIFY: 'true' }), logger: false, gateway: gw })
    const url = await app.listen({ host: '127.0.0.1', port: 0 })
    gw.answerNext('up-1')
    const res = await fetch(`${url}/v1/tasks/text-to-speech`, { method: 'POST', headers: { ...bearer(), 'content-type': 'application/json' }, body: '{"text":"hi"}' })
    const { id } = await res.json() as { id: string }
    gw.results.set('up-1', { status: 3, result: { audio_path: 'http://169.254.169.254/latest/meta-data/' } })
    expect(await postCallback(callbackOf(gw, id, url), { task_id: 'up-1', status: 3 })).toBe(200)
    expect(await app.taskStore.get(id)).toMatchObject({ status: 'failed', outputs: [], error: { code: 'BFF_ERR_TASK_BAD_RESULT' } })
  })

  it('progress outside 0-100 is ignored, and an unfinished task never shows 100 %', async () => {
    stack = await startStack({ env: { WEBHOOK_VERIFY: 'false' }, sim: { queueMs: 60_000 } })
    const s = stack
    const task = await createTask(s, { prompt: 'victim' })
    const callback = callbackUrlOf(s, task.id)
    const upstreamId = [...s.sim.simulator.tasks.keys()][0]!
    expect(await postCallback(callback, { task_id: upstreamId, status: 2, progress: 40 })).toBe(200)
    for (const progress of [1e308, 101, -1, 'NaN']) expect(await postCallback(callback, { task_id: upstreamId, status: 2, progress })).toBe(200)
    expect(await postCallback(callback, { task_id: upstreamId, status: 2, progress: 10 })).toBe(200)
    await eventually(async () => (await getTask(s, task.id)).body, (t) => t.status === 'processing')
    expect((await getTask(s, task.id)).body).toMatchObject({ status: 'processing', progress: 40 })
    expect(await postCallback(callback, { task_id: upstreamId, status: 2, progress: 100 })).toBe(200)
    expect((await getTask(s, task.id)).body.progress).toBe(99)
  })
})
