import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { bearer, createTask, eventually, startStack, type Stack } from '../helper.ts'
import { openSse } from '../sse-client.ts'

let stack: Stack
beforeEach(async () => { stack = await startStack() })
afterEach(async () => { await stack.close() })

describe('SSE connections', () => {
  it('are cleaned up when the client disconnects', async () => {
    const a = await openSse(`${stack.url}/v1/events`, bearer())
    const b = await openSse(`${stack.url}/v1/events`, bearer())
    await a.waitFor((f) => f.retry !== undefined)
    await b.waitFor((f) => f.retry !== undefined)
    expect(stack.bff.openSseCount()).toBe(2)
    a.close()
    await eventually(() => stack.bff.openSseCount(), (n) => n === 1)
    // The survivor still receives events after the other one left.
    const t = await createTask(stack, { prompt: 'after' })
    await b.waitFor((f) => f.event === 'task.succeeded' && JSON.parse(f.data!).id === t.id)
    b.close()
    await eventually(() => stack.bff.openSseCount(), (n) => n === 0)
  })

  it('carry heartbeat comments on the configured interval', async () => {
    await stack.close()
    stack = await startStack({ env: { SSE_HEARTBEAT_MS: '100' } })
    const sse = await openSse(`${stack.url}/v1/events`, bearer())
    await sse.waitFor((f) => f.comments.includes('heartbeat'), 2000)
    sse.close()
  })

  it('end with a shutdown event and a retry hint when the server closes', async () => {
    const sse = await openSse(`${stack.url}/v1/events`, bearer())
    await sse.waitFor((f) => f.retry !== undefined)
    await stack.stopBff()
    await sse.ended
    const last = sse.frames.at(-1)!
    expect(last.event).toBe('shutdown')
    expect(last.retry).toBe(String(stack.config.sse.retryMs))
    await stack.startBff() // so that afterEach can close it
  })

  it('that were still opening when the server began to close end with the shutdown event, and do not hold the close', async () => {
    // The stream's request waits in its slot reservation until the close has begun.
    const caps = stack.bff.streamCaps
    const acquire = caps.acquire.bind(caps)
    let entered!: () => void
    const inside = new Promise<void>((resolve) => { entered = resolve })
    let letIn!: () => void
    const gate = new Promise<void>((resolve) => { letIn = resolve })
    caps.acquire = async (owner, ip) => { entered(); await gate; return await acquire(owner, ip) }

    const opening = openSse(`${stack.url}/v1/events`, bearer())
    await inside
    const closed = stack.bff.close()
    // The listener goes once the preClose hooks have run.
    await eventually(async () => await fetch(`${stack.url}/healthz`).then(() => 'listening', () => 'closed'), (s) => s === 'closed', 10_000)
    letIn()
    const sse = await opening
    await sse.ended
    expect(sse.frames.at(-1)!.event).toBe('shutdown')
    await closed
    await stack.startBff() // so that afterEach can close it
  })
})
