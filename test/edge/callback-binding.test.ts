import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { newCallbackToken } from '../../src/tasks/callback-token.ts'
import type { TaskRecord } from '../../src/tasks/model.ts'
import { BOB, bearer, dropClientConnections, eventually, testConfig } from '../helper.ts'
import { dropPrefix, REDIS_URL, redisAvailable, testPrefix } from '../redis-helper.ts'
import { callbackOf, stubGateway, type StubGateway } from './stub-gateway.ts'

let app: FastifyInstance | undefined
afterEach(async () => {
  await dropClientConnections()
  await app?.close()
  app = undefined
})

const PLANTED = { audio_path: 'https://cdn.example.com/attacker-chose-this.wav' }

async function start (verify: boolean): Promise<{ url: string, gw: StubGateway }> {
  const gw = stubGateway()
  app = await buildApp({ config: testConfig({ WEBHOOK_VERIFY: String(verify) }), logger: false, gateway: gw })
  return { url: await app.listen({ host: '127.0.0.1', port: 0 }), gw }
}

async function create (url: string, who = BOB): Promise<Response> {
  return fetch(`${url}/v1/tasks/text-to-speech`, { method: 'POST', headers: { ...bearer(who), 'content-type': 'application/json' }, body: '{"text":"hello"}' })
}

async function post (callbackUrl: string, body: object): Promise<{ status: number, code?: string }> {
  const res = await fetch(callbackUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: res.status, ...(await res.json() as { code?: string }) }
}

/** Everything the store holds about a task: the record and its events. */
async function stateOf (id: string): Promise<{ task: TaskRecord | undefined, events: number }> {
  const task = await app!.taskStore.get(id)
  return { task, events: task ? (await app!.eventLog.after({ owner: task.owner, taskId: id }, 0, 100)).length : 0 }
}

/** The attacker's own finished task, bound to upstream id `up-attacker` with content they chose. */
async function attackerTask (url: string, gw: StubGateway): Promise<string> {
  gw.answerNext('up-attacker')
  const res = await create(url)
  const { id } = await res.json() as { id: string }
  gw.results.set('up-attacker', { status: 3, result: PLANTED })
  expect((await post(callbackOf(gw, id, url), { task_id: 'up-attacker', status: 3, result: PLANTED })).status).toBe(200)
  return id
}

/** A victim task whose create answer never came (the BFF stopped): no upstream id, nothing in flight. */
async function orphanedTask (): Promise<{ id: string, token: string }> {
  const { token, hash } = newCallbackToken()
  const at = new Date().toISOString()
  const id = `orphan-${Math.random().toString(36).slice(2)}`
  await app!.taskStore.create({
    id, owner: 'alice', capability: 'text-to-speech', provider: 'tomoviee', status: 'queued', progress: 0, input: { text: 'mine' }, outputs: [], error: null,
    upstreamTaskId: null, callbackTokenHash: hash, createdAt: at, updatedAt: at, version: 1, nextCheckAt: null, deadlineAt: Date.now() + 600_000, checkAttempts: 0
  }, { maxActive: 100, now: Date.now() })
  return { id, token }
}

describe.each([true, false])('callbacks bound to their upstream task (verification %s)', (verify) => {
  it('a leaked token cannot plant another task\'s result while the create answer is in flight', async () => {
    const { url, gw } = await start(verify)
    const attacker = await attackerTask(url, gw)
    const attackerBefore = await stateOf(attacker)

    const answer = gw.answerNext('up-victim', { held: true })
    const victimCreate = create(url, { owner: 'alice', key: 'alice-key-0001' })
    await eventually(() => gw.bodies.length, (n) => n === 2)
    const victimId = String(gw.bodies[1]!.params)
    const before = await stateOf(victimId)
    const attack = post(callbackOf(gw, victimId, url), { task_id: 'up-attacker', status: 3, result: PLANTED })
    // The callback waits for the create answer, then is checked against it.
    await new Promise((resolve) => setTimeout(resolve, 100))
    answer.release()
    expect(await attack).toMatchObject({ status: 400, code: 'BFF_ERR_WEBHOOK_INVALID' })
    expect((await victimCreate).status).toBe(202)

    const after = await stateOf(victimId)
    expect(after.task).toMatchObject({ status: 'queued', outputs: [], upstreamTaskId: 'up-victim' })
    expect(after.events).toBe(before.events)
    expect(await stateOf(attacker)).toEqual(attackerBefore)
  })

  it('after a crash, an id bound to another task is refused; one bound to none is adopted', async () => {
    const { url, gw } = await start(verify)
    const attacker = await attackerTask(url, gw)
    const attackerBefore = await stateOf(attacker)
    const victim = await orphanedTask()
    const callbackUrl = `${url}/webhooks/tomoviee?task=${victim.id}&token=${victim.token}`
    const before = await stateOf(victim.id)

    expect(await post(callbackUrl, { task_id: 'up-attacker', status: 3, result: PLANTED })).toMatchObject({ status: 400, code: 'BFF_ERR_WEBHOOK_INVALID' })
    expect(await stateOf(victim.id)).toEqual(before)
    expect(await stateOf(attacker)).toEqual(attackerBefore)

    // The gateway's own callback for the orphaned task: its id is bound to no task, so it is adopted.
    gw.results.set('up-orphan', { status: 3, result: { audio_path: 'https://cdn.example.com/mine.wav' } })
    expect(await post(callbackUrl, { task_id: 'up-orphan', status: 3, result: { audio_path: 'https://cdn.example.com/mine.wav' } })).toMatchObject({ status: 200 })
    expect((await stateOf(victim.id)).task).toMatchObject({ status: 'succeeded', upstreamTaskId: 'up-orphan', outputs: [{ type: 'audio', url: 'https://cdn.example.com/mine.wav' }] })
  })
})

describe('adopting an upstream id with verification on', () => {
  it('refuses one the gateway does not know, or knows as another task\'s', async () => {
    const { url, gw } = await start(true)
    const victim = await orphanedTask()
    const callbackUrl = `${url}/webhooks/tomoviee?task=${victim.id}&token=${victim.token}`
    const before = await stateOf(victim.id)
    // Unknown upstream: the verification read fails, nothing is applied.
    expect((await post(callbackUrl, { task_id: 'up-made-up', status: 3, result: PLANTED })).status).toBeGreaterThanOrEqual(500)
    gw.results.set('up-foreign', { status: 3, result: PLANTED, params: 'some-other-task' })
    expect(await post(callbackUrl, { task_id: 'up-foreign', status: 3, result: PLANTED })).toMatchObject({ status: 400, code: 'BFF_ERR_WEBHOOK_INVALID' })
    expect(await stateOf(victim.id)).toEqual(before)
  })
})

const redisUp = await redisAvailable()

describe.skipIf(!redisUp)('callbacks bound to their upstream task, two instances on one Redis', () => {
  const prefix = testPrefix()
  const apps: FastifyInstance[] = []
  afterEach(async () => {
    await dropClientConnections()
    for (const a of apps.splice(0)) await a.close()
    await dropPrefix(prefix)
  })

  it('a callback on another instance waits for the create answer; with none in sight it is refused for now', async () => {
    const gw = stubGateway()
    const env = { REDIS_URL, REDIS_PREFIX: prefix, WEBHOOK_VERIFY: 'false', WEBHOOK_HOLD_MS: '3000' }
    for (let i = 0; i < 2; i++) apps.push(await buildApp({ config: testConfig(env), logger: false, gateway: gw }))
    const [a, b] = await Promise.all(apps.map(async (x) => x.listen({ host: '127.0.0.1', port: 0 })))

    const answer = gw.answerNext('up-victim', { held: true })
    const victimCreate = create(a!)
    await eventually(() => gw.bodies.length, (n) => n === 1)
    const victimId = String(gw.bodies[0]!.params)
    const attack = post(callbackOf(gw, victimId, b!), { task_id: 'up-attacker', status: 3, result: PLANTED })
    await new Promise((resolve) => setTimeout(resolve, 300))
    answer.release()
    expect(await attack).toMatchObject({ status: 400, code: 'BFF_ERR_WEBHOOK_INVALID' })
    expect((await victimCreate).status).toBe(202)
    expect(await apps[1]!.taskStore.get(victimId)).toMatchObject({ status: 'queued', upstreamTaskId: 'up-victim' })

    // A young task with no recorded id and no create in flight anywhere: after the hold, 503 (the gateway retries later).
    const { token, hash } = newCallbackToken()
    const at = new Date().toISOString()
    await apps[0]!.taskStore.create({
      id: 'young-orphan', owner: 'alice', capability: 'text-to-speech', provider: 'tomoviee', status: 'queued', progress: 0, input: { text: 'x' }, outputs: [], error: null,
      upstreamTaskId: null, callbackTokenHash: hash, createdAt: at, updatedAt: at, version: 1, nextCheckAt: null, deadlineAt: Date.now() + 600_000, checkAttempts: 0
    }, { maxActive: 100, now: Date.now() })
    const early = await post(`${b}/webhooks/tomoviee?task=young-orphan&token=${token}`, { task_id: 'up-anything', status: 3, result: PLANTED })
    expect(early).toMatchObject({ status: 503, code: 'BFF_ERR_WEBHOOK_EARLY' })
    expect(await apps[1]!.taskStore.get('young-orphan')).toMatchObject({ status: 'queued', upstreamTaskId: null, version: 1 })
  }, 30_000)
})
