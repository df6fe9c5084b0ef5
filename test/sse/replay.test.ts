import { request, type IncomingMessage, type ServerResponse } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { bearer, createTask, eventually, getTask, startStack, type Stack } from '../helper.ts'

const EVENTS = 10_000
const MAX_BUFFER = 256 * 1024
// About 2 KB per event: the whole replay (~22 MB) is far more than loopback's socket buffers take.
const PROMPT = 'x'.repeat(2_000)

let stack: Stack | undefined
afterEach(async () => { await stack?.close(); stack = undefined })

/** Writes `count` further events of a finished task straight through the store (the benchmark's seeding). */
async function seedEvents (s: Stack, taskId: string, count: number): Promise<void> {
  let task = (await s.bff.taskStore.get(taskId))!
  for (let done = 0; done < count; done += 500) {
    const batch = []
    for (let i = done; i < Math.min(count, done + 500); i++) {
      task = { ...task, input: { ...task.input, prompt: PROMPT }, version: task.version + 1, updatedAt: new Date().toISOString() }
      batch.push(s.bff.taskStore.update(task, true))
    }
    for (const written of await Promise.all(batch)) expect(written).not.toBeNull()
  }
}

/** Collects the id of every complete event frame as the chunks come in. */
function frameIds (): { push: (chunk: Buffer) => void, ids: number[] } {
  const ids: number[] = []
  let rest = ''
  return {
    ids,
    push (chunk) {
      const frames = (rest + chunk.toString('utf8')).split('\n\n')
      rest = frames.pop()!
      for (const frame of frames) {
        const id = /^id: (\d+)\nevent: /.exec(frame)?.[1]
        if (id !== undefined) ids.push(Number(id))
      }
    }
  }
}

describe('paged replay over a real socket (issue #18)', () => {
  it('waits for a client that stops reading instead of dropping it, then sends the rest and the live events, in order and once', async () => {
    stack = await startStack({ env: { SSE_MAX_BUFFER_BYTES: String(MAX_BUFFER), SSE_REPLAY_HORIZON: String(EVENTS * 2) } })
    const s = stack
    const first = await createTask(s, { prompt: 'history' })
    await eventually(() => getTask(s, first.id), (r) => r.body.status === 'succeeded', 10_000)
    await seedEvents(s, first.id, EVENTS)

    // The server side of the stream, to see it wait for the socket.
    let serverSide: ServerResponse | undefined
    s.bff.server.on('request', (req: IncomingMessage, res: ServerResponse) => { if (req.url === '/v1/events') serverSide = res })
    const afterStored = s.bff.eventLog.afterStored.bind(s.bff.eventLog)
    let pagesRead = 0
    s.bff.eventLog.afterStored = async (...args) => { pagesRead++; return await afterStored(...args) }

    const received = frameIds()
    let closedEarly = false
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(`${s.url}/v1/events`, { headers: { ...bearer(), 'last-event-id': '0', accept: 'text/event-stream' } }, resolve)
      req.on('error', reject)
      req.end()
    })
    expect(res.statusCode).toBe(200)
    res.pause()
    res.on('close', () => { closedEarly = true })

    // Not reading: the replay fills the socket, then waits on it, with no more than the bound buffered.
    await eventually(() => serverSide?.writableNeedDrain === true, (v) => v, 20_000)
    const pagesWhenStuck = pagesRead
    const live = await createTask(s, { prompt: 'while replaying' })
    await eventually(() => getTask(s, live.id), (r) => r.body.status === 'succeeded', 10_000)
    expect(serverSide!.writableNeedDrain).toBe(true)
    expect(serverSide!.writableLength).toBeLessThanOrEqual(MAX_BUFFER)
    expect(pagesRead - pagesWhenStuck).toBeLessThanOrEqual(1)
    expect(serverSide!.destroyed).toBe(false)

    const all = (await s.bff.eventLog.after({ owner: 'alice' }, 0, EVENTS * 2)).map((e) => e.id)
    const newest = all.at(-1)!
    res.on('data', received.push)
    res.resume()
    await eventually(() => received.ids.at(-1), (id) => id === newest, 60_000)
    expect(closedEarly).toBe(false)
    res.destroy()

    expect(received.ids.length).toBe(all.length)
    expect(received.ids).toEqual(all)
    expect(pagesRead).toBeGreaterThan(EVENTS / 1_000)
  }, 120_000)
})
