import { randomUUID } from 'node:crypto'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pino from 'pino'
import type { MediaioProvider } from '../../../src/providers/mediaio/client.ts'
import { API_KEY, mediaioClient, startMediaioSimulator } from './harness.ts'

type Sim = Awaited<ReturnType<typeof startMediaioSimulator>>

/** A real pino logger writing into memory, so the test sees every line the client logged. */
function memoryLog () {
  const lines: string[] = []
  const stream = new Writable({ write (chunk: Buffer, _enc, done) { lines.push(chunk.toString()); done() } })
  return { log: pino({ level: 'debug' }, stream), lines }
}

describe('Media.io errors, statuses and the key', () => {
  let sim: Sim
  let provider: MediaioProvider
  const memory = memoryLog()
  const seen: unknown[] = []
  beforeAll(async () => {
    sim = await startMediaioSimulator({ queueMs: 20, processMs: 100, logger: { level: 'debug', stream: { write: (l: string) => { memory.lines.push(l) } } } })
    provider = mediaioClient(sim.origin, { log: memory.log })
  })
  afterAll(async () => {
    await provider?.close()
    await sim?.sim.close()
  })

  const create = async (prompt: string, p = provider) => {
    try {
      const out = await p.create({ taskId: randomUUID(), capability: 'mediaio-t2i-imagen-4', input: { prompt }, deadlineAt: Date.now() + 60_000 })
      if (!('upstreamTaskId' in out)) throw new Error('expected a job')
      return out.upstreamTaskId
    } catch (err) {
      seen.push(err)
      throw err
    }
  }
  async function settle (id: string) {
    for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
      const r = await provider.get(id, { id: 'task-1', capability: 'mediaio-t2i-imagen-4' })
      if (r.status !== 'queued' && r.status !== 'processing') return r
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    throw new Error('never settled')
  }

  it('maps an expired key to a 502 configuration error, never a 401', async () => {
    const err = await create('a cat #bad-key').catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'BFF_ERR_UPSTREAM_AUTH', statusCode: 502, upstreamCode: 40002 })
  })

  it('maps a wrong key on every route to BFF_ERR_UPSTREAM_AUTH', async () => {
    const wrong = mediaioClient(sim.origin, { apiKey: 'wrong-key' })
    try {
      await expect(create('a cat', wrong)).rejects.toMatchObject({ code: 'BFF_ERR_UPSTREAM_AUTH', upstreamCode: 40001 })
      await expect(wrong.get('abc')).rejects.toMatchObject({ code: 'BFF_ERR_UPSTREAM_AUTH' })
      await expect(wrong.credits()).rejects.toMatchObject({ code: 'BFF_ERR_UPSTREAM_AUTH' })
    } finally {
      await wrong.close()
    }
  })

  it('maps 490505 to BFF_ERR_UPSTREAM_INSUFFICIENT_CREDITS, also when the balance runs out', async () => {
    await expect(create('a cat #no-credits')).rejects.toMatchObject({ code: 'BFF_ERR_UPSTREAM_INSUFFICIENT_CREDITS', statusCode: 503, upstreamCode: 490505 })
    const poor = await startMediaioSimulator({ credits: 10, creditsPerTask: 10 })
    const client = mediaioClient(poor.origin)
    try {
      await create('first', client)
      await expect(create('second', client)).rejects.toMatchObject({ code: 'BFF_ERR_UPSTREAM_INSUFFICIENT_CREDITS' })
      expect((await client.credits()).credits).toBe(0)
    } finally {
      await client.close()
      await poor.sim.close()
    }
  })

  it('maps an unknown task to an upstream rejection (40003)', async () => {
    await expect(provider.get('0123456789abcdef')).rejects.toMatchObject({ code: 'BFF_ERR_UPSTREAM_REJECTED', upstreamCode: 40003 })
    await expect(provider.get('../user/credits')).rejects.toMatchObject({ code: 'BFF_ERR_UPSTREAM_REJECTED', sent: false })
  })

  it('reports failed and timeout, and treats an unknown status as running, logged', async () => {
    expect(await settle(await create('a cat #fail'))).toMatchObject({ status: 'failed', error: { code: 'BFF_ERR_TASK_FAILED' } })
    expect(await settle(await create('a cat #timeout'))).toMatchObject({ status: 'timed_out', error: { code: 'BFF_ERR_TASK_TIMED_OUT' } })
    const odd = await create('a cat #unknown-status #hang')
    await new Promise((resolve) => setTimeout(resolve, 100))
    for (let i = 0; i < 50 && sim.handle.tasks.get(odd)!.status !== 'rendering'; i++) await new Promise((resolve) => setTimeout(resolve, 20))
    expect(await provider.get(odd)).toMatchObject({ status: 'processing' })
    expect(memory.lines.some((l) => l.includes('unknown status') && l.includes('rendering') && l.includes(odd))).toBe(true)
  })

  it('speaks both vocabularies of the document', async () => {
    const slow = await startMediaioSimulator({ queueMs: 150, processMs: 150 })
    const client = mediaioClient(slow.origin)
    const words = new Set<string>()
    try {
      const ids = [await create('one', client), await create('two', client)]
      for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
        for (const id of ids) words.add(slow.handle.tasks.get(id)!.status)
        const reports = await Promise.all(ids.map((id) => client.get(id)))
        if (reports.every((r) => r.status === 'succeeded')) break
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
      for (const id of ids) words.add(slow.handle.tasks.get(id)!.status)
    } finally {
      await client.close()
      await slow.sim.close()
    }
    expect(words).toEqual(new Set(['waiting', 'pending', 'processing', 'completed', 'succeeded']))
  })

  it('refuses a body outside the documented limits at the simulator too', async () => {
    const res = await fetch(`${sim.origin}/generation/imagen/t2i-imagen-4`, { method: 'POST', headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' }, body: JSON.stringify({ data: { prompt: 'x', counts: 5 } }) })
    expect(await res.json()).toMatchObject({ code: 40000 })
    const bare = await fetch(`${sim.origin}/generation/imagen/t2i-imagen-4`, { method: 'POST', headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' }, body: JSON.stringify({ prompt: 'x' }) })
    expect(await bare.json()).toMatchObject({ code: 40000 })
  })

  it('keeps the key out of every log line and every error', () => {
    const echoed = [...memory.lines, ...seen.map((e) => JSON.stringify({ e, message: (e as Error).message, cause: String((e as Error).cause), upstream: (e as { upstreamMessage?: string }).upstreamMessage }))]
    expect(memory.lines.length).toBeGreaterThan(5)
    expect(seen.length).toBeGreaterThan(2)
    for (const line of echoed) expect(line).not.toContain(API_KEY)
    expect(memory.lines.some((l) => l.includes('traceId'))).toBe(true)
  })
})
