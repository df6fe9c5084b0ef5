import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CASES } from '../fixtures/capabilities.ts'
import { bearer, startStack, type Stack } from '../helper.ts'
import { openSse } from '../sse-client.ts'

const CONTENT_TYPES: Record<string, RegExp> = { audio: /^audio\/wav/, video: /^video\/mp4/, image: /^image\/png/, mask: /^image\/png/ }
const MAGIC: Record<string, (b: Buffer) => boolean> = {
  audio: (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WAVE',
  video: (b) => b.subarray(4, 8).toString('latin1') === 'ftyp',
  image: (b) => b.subarray(1, 4).toString('latin1') === 'PNG',
  mask: (b) => b.subarray(1, 4).toString('latin1') === 'PNG'
}

let stack: Stack
beforeAll(async () => { stack = await startStack({ env: { RATE_LIMIT_MAX: '10000' } }) })
afterAll(async () => { await stack.close() })

describe.each(CASES.map((c, i) => [`${c.name} #${i}`, c] as const))('%s end to end through the simulator', (_label, c) => {
  it('ends in task.succeeded with outputs that download with the right content type', async () => {
    const res = await fetch(`${stack.url}/v1/tasks/${c.name}`, { method: 'POST', headers: { ...bearer(), 'content-type': 'application/json' }, body: JSON.stringify(c.body) })
    expect(res.status, await res.clone().text()).toBe(202)
    const task = await res.json() as { id: string }
    const sse = await openSse(`${stack.url}/v1/tasks/${task.id}/events`, bearer())
    await sse.ended
    const last = sse.events().at(-1)!
    expect(last.event).toBe('task.succeeded')
    const expectedCount = Number(c.upstream.qty ?? c.upstream.batch_size ?? 1)
    expect(last.data.outputs).toHaveLength(expectedCount)
    for (const output of last.data.outputs) {
      expect(output.type).toBe(c.outputs.type)
      const file = await fetch(output.url)
      expect(file.status).toBe(200)
      expect(file.headers.get('content-type')).toMatch(CONTENT_TYPES[output.type]!)
      expect(MAGIC[output.type]!(Buffer.from(await file.arrayBuffer()))).toBe(true)
    }
  })
})
