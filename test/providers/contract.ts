import { randomUUID } from 'node:crypto'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isFileOutput, type TaskStatus } from '../../src/tasks/model.ts'
import type { Provider, UpstreamReport } from '../../src/providers/types.ts'
import { startReceiver, waitFor, type Receiver } from '../simulator/helpers.ts'

/** Simulator behaviours the suite exercises; each harness turns them into its own markers. */
export type Scenario = 'success' | 'fail' | 'hang' | 'no-callback' | 'double-callback'

export interface ProviderUnderTest {
  provider: Provider
  /** A valid public body for `capability` that makes the simulator play `scenario`. */
  input: (scenario: Scenario) => Record<string, unknown>
  capability: string
  /** Content types the outputs of `input('success')` must download with, by output type. */
  contentTypes: Readonly<Record<string, RegExp>>
  close: () => Promise<void>
}

export interface ProviderHarness {
  name: string
  /** Starts the provider's simulator on a loopback port and a provider pointed at it. */
  start: (opts?: { credentials?: 'right' | 'wrong' }) => Promise<ProviderUnderTest>
  /**
   * The deadline that makes a hanging job end as timed_out upstream, for providers that honour our
   * deadline (Tencent's `timeout`); undefined when the provider has no such notion.
   */
  upstreamTimeoutMs?: number
  /**
   * A valid body whose job the simulator ends as timed_out by itself, for providers whose upstream
   * has a timeout of its own (ToMoviee's status 6); undefined when it has none.
   */
  timedOutInput?: Record<string, unknown>
  /** The provider can find a job by our task id (Provider.recover). */
  recovers: boolean
  /** False for polling-only providers: the callback tests give way to "no callback is ever accepted". Default true. */
  callbacks?: boolean
}

const WAIT_MS = 30_000
const TERMINAL: readonly TaskStatus[] = ['succeeded', 'failed', 'canceled', 'timed_out']

/** The fields of `a` that `b` has too. */
const shared = (a: object, b: object): Record<string, unknown> => Object.fromEntries(Object.entries(a).filter(([key]) => key in b))

/** Polls `get` until `until` holds; returns every distinct status seen on the way. */
async function pollUntil (provider: Provider, id: string, until: (r: UpstreamReport) => boolean): Promise<{ last: UpstreamReport, seen: TaskStatus[] }> {
  const seen: TaskStatus[] = []
  const deadline = Date.now() + WAIT_MS
  for (;;) {
    const last = await provider.get(id)
    if (seen.at(-1) !== last.status) seen.push(last.status)
    if (until(last)) return { last, seen }
    if (Date.now() > deadline) throw new Error(`job ${id} never reached the expected state; saw ${seen.join(' > ')}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

/**
 * The behaviour every provider must show against its own simulator, over real sockets
 * (test/providers/<id>/contract.test.ts for each provider of the registry).
 */
export function providerContract (harness: ProviderHarness): void {
  const callbacks = harness.callbacks ?? true
  describe(`provider contract: ${harness.name}`, () => {
    let sut: ProviderUnderTest
    let receiver: Receiver
    // Every provider echoes our task id somewhere in its callback (ToMoviee `params`, Tencent `customId`).
    const callbacksFor = (taskId: string) => receiver.received.filter((c) => JSON.stringify(c.body).includes(taskId))

    beforeAll(async () => {
      sut = await harness.start()
      receiver = await startReceiver()
    })
    afterAll(async () => {
      await sut?.close()
      await receiver?.close()
    })

    async function create (scenario: Scenario | Record<string, unknown>, deadlineMs = 600_000) {
      const taskId = randomUUID()
      const outcome = await sut.provider.create({
        taskId,
        capability: sut.capability,
        input: typeof scenario === 'string' ? sut.input(scenario) : scenario,
        callbackUrl: sut.provider.delivery === 'callback' ? `${receiver.url}&task=${taskId}` : undefined,
        deadlineAt: Date.now() + deadlineMs
      })
      if (!('upstreamTaskId' in outcome)) throw new Error('expected an asynchronous job')
      return { taskId, upstreamTaskId: outcome.upstreamTaskId }
    }

    it('declares its capabilities and delivery model', () => {
      expect(sut.provider.id).toMatch(/^[a-z][a-z0-9-]*$/)
      expect(['callback', 'polling', 'sync']).toContain(sut.provider.delivery)
      expect(sut.provider.capabilities.map((c) => c.name)).toContain(sut.capability)
    })

    it('walks a job through every status, in order, to success with downloadable outputs', async () => {
      const { upstreamTaskId } = await create('success')
      const { last, seen } = await pollUntil(sut.provider, upstreamTaskId, (r) => TERMINAL.includes(r.status))
      expect(seen.filter((s) => s !== 'queued' && s !== 'processing')).toEqual(['succeeded'])
      expect(seen).toContain('processing')
      expect(last.upstreamTaskId).toBe(upstreamTaskId)
      expect(last.outputs?.length).toBeGreaterThan(0)
      for (const output of (last.outputs ?? []).filter(isFileOutput)) {
        const res = await request(output.url)
        const bytes = Buffer.from(await res.body.arrayBuffer())
        expect(res.statusCode, output.url).toBe(200)
        expect(res.headers['content-type']).toMatch(sut.contentTypes[output.type] ?? /^$/)
        expect(bytes.length).toBeGreaterThan(1000)
      }
    })

    if (callbacks) {
      it('calls back with the terminal state, which a poll confirms', async () => {
        const { taskId, upstreamTaskId } = await create('success')
        await waitFor(() => callbacksFor(taskId).length > 0, WAIT_MS, 'the callback')
        const parsed = sut.provider.parseCallback(callbacksFor(taskId)[0]!.body)
        expect(parsed.upstreamTaskId).toBe(upstreamTaskId)
        expect(parsed.customId).toBe(taskId)
        expect(parsed.report.status).toBe('succeeded')
        const confirmed = await sut.provider.get(upstreamTaskId)
        // Either may leave out a field the other has (ToMoviee's terminal callback carries no
        // progress, its result endpoint does not echo our id); what both say must agree.
        expect(confirmed).toMatchObject({ status: 'succeeded', upstreamTaskId, outputs: parsed.report.outputs })
        expect(shared(confirmed, parsed.report)).toEqual(shared(parsed.report, confirmed))
      })
    } else {
      it('is polled, and refuses anything offered as a callback, even a genuine answer of its own', async () => {
        expect(sut.provider.delivery).toBe('polling')
        expect(sut.provider.confirmCallbacks).toBe(false)
        const { upstreamTaskId } = await create('success')
        const { last } = await pollUntil(sut.provider, upstreamTaskId, (r) => TERMINAL.includes(r.status))
        for (const body of [last, { upstreamTaskId, status: 'succeeded' }]) {
          expect(() => sut.provider.parseCallback(body)).toThrow(expect.objectContaining({ code: 'BFF_ERR_WEBHOOK_INVALID' }))
        }
        expect(receiver.received).toEqual([])
      })
    }

    it('reports a failed job as failed, by poll and by callback', async () => {
      const { taskId, upstreamTaskId } = await create('fail')
      const { last } = await pollUntil(sut.provider, upstreamTaskId, (r) => TERMINAL.includes(r.status))
      expect(last.status).toBe('failed')
      expect(last.error?.code).toBe('BFF_ERR_TASK_FAILED')
      expect(last.outputs).toBeUndefined()
      if (!callbacks) return
      await waitFor(() => callbacksFor(taskId).length > 0, WAIT_MS, 'the failure callback')
      expect(sut.provider.parseCallback(callbacksFor(taskId)[0]!.body).report.status).toBe('failed')
    })

    it('keeps a hanging job processing while others finish', async () => {
      const hanging = await create('hang')
      const plain = await create('success')
      await pollUntil(sut.provider, plain.upstreamTaskId, (r) => r.status === 'succeeded')
      expect((await sut.provider.get(hanging.upstreamTaskId)).status).toBe('processing')
      expect(callbacksFor(hanging.taskId)).toEqual([])
    })

    if (callbacks) {
      it('finishes without calling back when told to, so only a poll finds the result', async () => {
        const silent = await create('no-callback')
        const plain = await create('success')
        await pollUntil(sut.provider, silent.upstreamTaskId, (r) => r.status === 'succeeded')
        await waitFor(() => callbacksFor(plain.taskId).length > 0, WAIT_MS, 'the later job\'s callback')
        expect(callbacksFor(silent.taskId)).toEqual([])
      })

      it('can deliver the same callback twice, with the same report', async () => {
        const { taskId } = await create('double-callback')
        await waitFor(() => callbacksFor(taskId).length >= 2, WAIT_MS, 'two callbacks')
        const [a, b] = callbacksFor(taskId).map((c) => sut.provider.parseCallback(c.body))
        expect(a).toEqual(b)
      })

      it('gives a forged success callback away: the poll disagrees', async () => {
        const { taskId, upstreamTaskId } = await create('hang')
        const genuine = await create('success')
        await waitFor(() => callbacksFor(genuine.taskId).length > 0, WAIT_MS, 'a genuine callback to copy')
        // A forger replays a real success body with the id and customId of a job still running.
        const body = JSON.parse(JSON.stringify(callbacksFor(genuine.taskId)[0]!.body).split(genuine.upstreamTaskId).join(upstreamTaskId).split(genuine.taskId).join(taskId)) as unknown
        const forged = sut.provider.parseCallback(body)
        expect(forged.report.status).toBe('succeeded')
        expect(forged.upstreamTaskId).toBe(upstreamTaskId)
        expect(sut.provider.confirmCallbacks).toBe(true)
        expect((await sut.provider.get(upstreamTaskId)).status).toBe('processing')
      })
    }

    it('refuses a callback body that is not one', () => {
      for (const body of [null, 'ok', [], {}, { id: 1 }]) {
        expect(() => sut.provider.parseCallback(body)).toThrow(expect.objectContaining({ code: 'BFF_ERR_WEBHOOK_INVALID' }))
      }
    })

    it('answers an unknown job id with an upstream error, not a report', async () => {
      await expect(sut.provider.get(randomUUID())).rejects.toMatchObject({ code: expect.stringMatching(/^BFF_ERR_UPSTREAM_/) })
    })

    if (harness.recovers) {
      it('recovers the job of a task whose create answer was lost, by our task id', async () => {
        const { taskId, upstreamTaskId } = await create('success')
        expect(await sut.provider.recover!(taskId)).toBe(upstreamTaskId)
        expect(await sut.provider.recover!(randomUUID())).toBeUndefined()
      })
    }

    /** A timed-out job reads as timed_out by poll and, for callback providers, by its callback. */
    async function expectTimedOut ({ taskId, upstreamTaskId }: { taskId: string, upstreamTaskId: string }): Promise<void> {
      const { last } = await pollUntil(sut.provider, upstreamTaskId, (r) => TERMINAL.includes(r.status))
      expect(last.status).toBe('timed_out')
      expect(last.error?.code).toBe('BFF_ERR_TASK_TIMED_OUT')
      if (!callbacks) return
      await waitFor(() => callbacksFor(taskId).length > 0, WAIT_MS, 'the timeout callback')
      expect(sut.provider.parseCallback(callbacksFor(taskId)[0]!.body).report.status).toBe('timed_out')
    }

    if (harness.timedOutInput !== undefined) {
      const input = harness.timedOutInput
      it('reports a job its upstream timed out as timed_out, by poll and by callback', async () => {
        await expectTimedOut(await create(input))
      })
    }

    if (harness.upstreamTimeoutMs !== undefined) {
      const timeoutMs = harness.upstreamTimeoutMs
      it('ends a job that outlives our deadline as timed_out', async () => {
        await expectTimedOut(await create('hang', timeoutMs))
      })
    }

    it('maps wrong credentials to BFF_ERR_UPSTREAM_AUTH', async () => {
      const wrong = await harness.start({ credentials: 'wrong' })
      try {
        await expect(wrong.provider.get(randomUUID())).rejects.toMatchObject({ code: 'BFF_ERR_UPSTREAM_AUTH' })
      } finally {
        await wrong.close()
      }
    })
  })
}
