import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postJson, startReceiver, waitFor } from '../../simulator/helpers.ts'
import { jobReport } from '../../../src/providers/tencent/status.ts'
import { JobSchema } from '../../../src/providers/tencent/wire.ts'
import { SECRET_ID, SECRET_KEY, startTencentSimulator } from './harness.ts'

const JSON_ONLY = { 'content-type': 'application/json' }
const outputs = [{ destination: '/out', smartContentDescriptor: { imageBgmGeneration: { songQuantity: 2 } } }]
const createBody = (over: Record<string, unknown> = {}, secrets = { secretId: SECRET_ID, secretKey: SECRET_KEY }) => ({
  action: 'CreateJob', ...secrets, createJobRequest: { inputs: [{ url: 'https://h.example/a.png' }], outputs, ...over }
})

describe('the Tencent simulator, by its own document', () => {
  let sim: Awaited<ReturnType<typeof startTencentSimulator>>
  beforeAll(async () => { sim = await startTencentSimulator({ callbackRetries: 2 }) })
  afterAll(async () => { await sim.sim.close() })
  const post = (body: unknown) => postJson(sim.endpoint, body, JSON_ONLY)

  it('answers CreateJob with the echoed job in state 1 and string timings', async () => {
    const { status, json } = await post(createBody({ customId: 'c-1', callback: 'http://127.0.0.1:1/cb' }))
    expect(status).toBe(200)
    expect(json).toMatchObject({
      requestId: expect.any(String),
      createJobResponse: { job: { id: expect.any(String), state: 1, customId: 'c-1', callback: 'http://127.0.0.1:1/cb', outputs, timing: { startedAt: '0', completedAt: '0' } } }
    })
  })

  it('refuses wrong or missing secrets with AuthFailure before reading anything else', async () => {
    for (const secrets of [{ secretId: SECRET_ID, secretKey: 'nope' }, { secretId: 'nope', secretKey: SECRET_KEY }, {}]) {
      const { status, json } = await post(createBody({}, secrets as never))
      expect(status).toBe(401)
      expect(json).toMatchObject({ error: { code: 'AuthFailure.SecretIdNotFound' } })
    }
  })

  it('accepts exactly the chosen wire format: numbers for enums, an action it knows', async () => {
    const named = createBody({ outputs: [{ smartContentDescriptor: { imageBgmGeneration: { songQuantity: 1, outputType: 'MP3' } } }] })
    const bad = [named, createBody({ inputs: [] }), createBody({ customId: 'x'.repeat(64) }), { ...createBody(), action: 'CancelJob' }, { ...createBody(), createJobRequest: undefined }]
    for (const body of bad) {
      const { status, json } = await post(body)
      expect(status, JSON.stringify(body)).toBe(400)
      expect(json).toMatchObject({ error: { code: 'InvalidParameter', message: expect.any(String) } })
      expect(JSON.stringify(json)).not.toContain(SECRET_KEY)
    }
  })

  it('answers GetJob for an unknown id with 404 and ListJobs with an empty list', async () => {
    const get = await post({ action: 'GetJob', secretId: SECRET_ID, secretKey: SECRET_KEY, getJobRequest: { id: 'nope' } })
    expect(get).toMatchObject({ status: 404, json: { error: { code: 'ResourceNotFound.Job' } } })
    const list = await post({ action: 'ListJobs', secretId: SECRET_ID, secretKey: SECRET_KEY, listJobsRequest: { customId: 'nobody' } })
    expect(list).toMatchObject({ status: 200, json: { listJobsResponse: { jobs: [], total: 0 } } })
  })

  it('lists every job of a customId, since it is not unique upstream', async () => {
    await post(createBody({ customId: 'twice' }))
    await post(createBody({ customId: 'twice' }))
    const list = await post({ action: 'ListJobs', secretId: SECRET_ID, secretKey: SECRET_KEY, listJobsRequest: { customId: 'twice' } })
    expect(list.json).toMatchObject({ listJobsResponse: { total: 2 } })
  })

  it('retries a callback the receiver refused, then stops at the first 2xx', async () => {
    let calls = 0
    const receiver = await startReceiver(() => (++calls < 3 ? 500 : 200))
    try {
      const { json } = await post(createBody({ callback: receiver.url }))
      const id = (json as { createJobResponse: { job: { id: string } } }).createJobResponse.job.id
      await waitFor(() => sim.sim.tencentSimulator.jobs.get(id)?.callbacksDelivered === 1, 20_000, 'a delivered callback')
      expect(receiver.received).toHaveLength(3)
      expect(sim.sim.tencentSimulator.jobs.get(id)?.callbackAttempts).toBe(3)
      // Every attempt carries the whole finished Job, with the result file names.
      for (const c of receiver.received) {
        expect(c.body).toMatchObject({ id, state: 3, outputs: [{ destination: '/out', smartContentResult: { imageBgmGeneration: [{ songName: expect.stringMatching(/\.mp3$/) }, { songName: expect.any(String) }] } }] })
      }
    } finally {
      await receiver.close()
    }
  })

  it('sends no callback for a canceled job (the document names COMPLETED and ERROR only)', async () => {
    const receiver = await startReceiver()
    try {
      const { json: canceled } = await post(createBody({ callback: receiver.url, inputs: [{ url: 'https://h.example/a.png#cancel' }] }))
      const { json: plain } = await post(createBody({ callback: receiver.url }))
      const id = (j: unknown) => (j as { createJobResponse: { job: { id: string } } }).createJobResponse.job.id
      await waitFor(() => receiver.received.some((c) => c.body.id === id(plain)), 20_000, 'the plain job\'s callback')
      expect(sim.sim.tencentSimulator.jobs.get(id(canceled))?.job.state).toBe(5)
      expect(receiver.received.filter((c) => c.body.id === id(canceled))).toEqual([])
    } finally {
      await receiver.close()
    }
  })

  it('ends a job at its timeout no earlier than its own timing shows, so it always reads as timed out', async () => {
    // Node's timers run on the monotonic clock and the job's timing on the wall clock; a timer can
    // fire a millisecond before the wall clock shows the timeout, which read as a plain failure.
    // Jobs created at scattered instants cover the sub-millisecond phases between the two clocks.
    const ids: string[] = []
    for (let n = 0; n < 30; n++) {
      await new Promise((resolve) => setTimeout(resolve, 7 + (n % 5)))
      const { json } = await post(createBody({ timeout: 1, inputs: [{ url: 'https://h.example/a.png#hang' }] }))
      ids.push((json as { createJobResponse: { job: { id: string } } }).createJobResponse.job.id)
    }
    const jobs = () => ids.map((id) => sim.sim.tencentSimulator.jobs.get(id)!.job)
    await waitFor(() => jobs().every((job) => job.state === 4), 20_000, 'every job ended by its timeout')
    for (const job of jobs()) {
      const parsed = JobSchema.parse(job)
      expect(parsed.timing.completedAt - parsed.timing.createdAt, job.id).toBeGreaterThanOrEqual(1000)
      expect(jobReport(parsed, 'http://storage.test').status).toBe('timed_out')
    }
  })
})
