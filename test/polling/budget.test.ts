import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Task } from '../../src/tasks/model.ts'
import { bearer, eventually, startStack, type Stack } from '../helper.ts'
import { API_KEY, busiestSecond, countingSimulator, FAST_POLLING } from '../providers/mediaio/harness.ts'

const RATE = 20
const BURST = 10
const TASKS = 300

describe('the poll budget under a burst of tasks', () => {
  let mediaio: Awaited<ReturnType<typeof countingSimulator>>
  let stack: Stack

  beforeAll(async () => {
    mediaio = await countingSimulator(2_000)
    stack = await startStack({
      env: {
        MEDIAIO_BASE_URL: mediaio.origin,
        MEDIAIO_API_KEY: API_KEY,
        MEDIAIO_POLL_RATE_PER_SEC: String(RATE),
        MEDIAIO_POLL_BURST: String(BURST),
        MEDIAIO_POLL_CONCURRENCY: '8',
        OUTPUT_CUSTODY: 'false',
        CONNECTIONS_PER_IP_MAX: '1000',
        ...FAST_POLLING
      }
    })
  }, 60_000)
  afterAll(async () => {
    await stack?.close()
    await mediaio?.sim.close()
  })

  it(`${TASKS} tasks at once: Media.io never sees more than rate + burst polls in a second, and every task finishes`, async () => {
    const ids: string[] = []
    for (let i = 0; i < TASKS; i += 25) {
      const batch = await Promise.all(Array.from({ length: Math.min(25, TASKS - i) }, async () => {
        const res = await fetch(`${stack.url}/v1/tasks/mediaio-t2i-imagen-4`, {
          method: 'POST', headers: { ...bearer(), 'content-type': 'application/json' }, body: JSON.stringify({ prompt: 'A lighthouse at dusk' })
        })
        expect(res.status).toBe(202)
        return (await res.json() as Task).id
      }))
      ids.push(...batch)
    }
    const started = Date.now()
    await eventually(async () => (await Promise.all(ids.map((id) => stack.bff.taskStore.get(id)))).filter((t) => t?.status === 'succeeded').length,
      (n) => n === TASKS, 180_000)
    const seconds = (Date.now() - started) / 1000
    const busiest = busiestSecond(mediaio.results)
    const average = mediaio.results.length / ((mediaio.results.at(-1)! - mediaio.results[0]!) / 1000)
    process.stdout.write(`poll budget: ${TASKS} tasks, ${mediaio.results.length} Task Result requests in ${seconds.toFixed(1)} s; busiest second ${busiest} (bound ${RATE + BURST}), average ${average.toFixed(1)}/s (rate ${RATE})\n`)
    expect(busiest).toBeLessThanOrEqual(RATE + BURST)
    // The budget was what limited the polls: without it they would have come far faster.
    expect(busiest).toBeGreaterThanOrEqual(RATE)
    expect(mediaio.results.length).toBeGreaterThanOrEqual(TASKS)
  }, 240_000)
})
