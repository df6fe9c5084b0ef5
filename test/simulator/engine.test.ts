import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { outputCount, SimulatorEngine } from '../../src/providers/tomoviee/simulator/engine.ts'

const silent = { info: () => {}, warn: () => {}, error: () => {} }
const outputs = [{ key: 'audio_path', type: 'audio' }] as const

function engine (extra: Partial<ConstructorParameters<typeof SimulatorEngine>[0]> = {}): SimulatorEngine {
  return new SimulatorEngine({ queueMs: 100, processMs: 500, progressSteps: 5, callbackTimeoutMs: 1000, callbackRetries: 3, callbackRetryDelayMs: 1000, logger: silent, ...extra })
}

describe('SimulatorEngine lifecycle', () => {
  let sim: SimulatorEngine
  beforeEach(() => { vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }) })
  afterEach(async () => {
    await sim.close()
    vi.useRealTimers()
  })

  it('queues, processes with rising progress, then succeeds with the planned result', () => {
    sim = engine()
    const task = sim.create({ endpoint: 'tm_video_scoring', body: { prompt: 'calm' }, outputs, baseUrl: 'http://sim' })
    expect(task.id).toMatch(/^[0-9a-f]{32}$/)
    expect([task.status, task.progress, task.result]).toEqual([1, 0, undefined])
    vi.advanceTimersByTime(99)
    expect(task.status).toBe(1)
    const seen: number[] = []
    vi.advanceTimersByTime(1)
    for (let i = 0; i < 5; i++) {
      expect(task.status).toBe(2)
      seen.push(task.progress)
      vi.advanceTimersByTime(100)
    }
    expect(seen).toEqual([16, 33, 50, 66, 83])
    expect(task.status).toBe(3)
    expect(task.progress).toBe(100)
    expect(task.reason).toBeUndefined()
    expect(JSON.parse(task.result ?? '')).toEqual({ audio_path: [`http://sim/assets/${task.id}/0.wav`] })
    expect([...task.assets]).toEqual([['0.wav', 'audio']])
  })

  it.each([
    ['#fail', 4, 'Simulated failure'],
    ['#cancel', 5, 'Simulated cancellation'],
    ['#timeout', 6, 'Simulated timeout']
  ])('ends %s tasks in status %i with a reason and no result', (marker, status, reason) => {
    sim = engine()
    const task = sim.create({ endpoint: 'tm_video_scoring', body: { prompt: `x ${marker}` }, outputs, baseUrl: 'http://sim' })
    vi.advanceTimersByTime(600)
    expect(task.status).toBe(status)
    expect(task.reason).toBe(reason)
    expect(task.result).toBeUndefined()
    expect(task.progress).toBe(83)
  })

  it('#delay overrides processMs for that task only', () => {
    sim = engine()
    const slow = sim.create({ endpoint: 'e', body: { prompt: '#delay=2000' }, outputs, baseUrl: 'http://sim' })
    const fast = sim.create({ endpoint: 'e', body: { prompt: 'plain' }, outputs, baseUrl: 'http://sim' })
    vi.advanceTimersByTime(600)
    expect(fast.status).toBe(3)
    expect(slow.status).toBe(2)
    vi.advanceTimersByTime(1500)
    expect(slow.status).toBe(3)
  })

  it('#hang stays in status 2 forever', () => {
    sim = engine()
    const task = sim.create({ endpoint: 'e', body: { text: '#hang' }, outputs, baseUrl: 'http://sim' })
    vi.advanceTimersByTime(60 * 60 * 1000)
    expect(task.status).toBe(2)
    expect(task.progress).toBe(83)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('uses the default behaviour when the prompt has no marker', () => {
    sim = engine({ defaultBehaviour: { outcome: 'fail' } })
    const plain = sim.create({ endpoint: 'e', body: { prompt: 'plain' }, outputs, baseUrl: 'http://sim' })
    const marked = sim.create({ endpoint: 'e', body: { prompt: '#cancel' }, outputs, baseUrl: 'http://sim' })
    vi.advanceTimersByTime(600)
    expect([plain.status, marked.status]).toEqual([4, 5])
  })

  it('close() clears every timer and freezes tasks', async () => {
    sim = engine()
    const task = sim.create({ endpoint: 'e', body: {}, outputs, baseUrl: 'http://sim' })
    expect(vi.getTimerCount()).toBe(1)
    await sim.close()
    expect(vi.getTimerCount()).toBe(0)
    vi.advanceTimersByTime(10_000)
    expect(task.status).toBe(1)
  })

  it('retries a failed callback after base, 2×base and 4×base, then gives up; close() ends a backoff', async () => {
    // An invalid URL fails inside undici without touching the network or the faked timers.
    const warned: string[] = []
    sim = engine({ queueMs: 0, processMs: 0, progressSteps: 1, logger: { ...silent, warn: (_obj, msg) => { warned.push(msg) } } })
    const task = sim.create({ endpoint: 'e', body: { callback: 'not a url' }, outputs, baseUrl: 'http://sim' })
    await vi.advanceTimersByTimeAsync(1)
    expect(task.status).toBe(3)
    expect(task.callbackAttempts).toBe(1)
    const schedule: number[] = []
    for (const wait of [1000, 2000, 4000]) {
      await vi.advanceTimersByTimeAsync(wait - 1)
      schedule.push(task.callbackAttempts)
      await vi.advanceTimersByTimeAsync(1)
      schedule.push(task.callbackAttempts)
    }
    expect(schedule).toEqual([1, 2, 2, 3, 3, 4])
    expect([task.callbacksSent, task.callbacksDelivered]).toEqual([0, 0])
    expect(vi.getTimerCount()).toBe(0)
    expect(warned).toContain('callback abandoned after the last retry')

    const other = sim.create({ endpoint: 'e', body: { callback: 'not a url' }, outputs, baseUrl: 'http://sim' })
    await vi.advanceTimersByTimeAsync(1)
    expect(other.callbackAttempts).toBe(1)
    expect(vi.getTimerCount()).toBe(1)
    await sim.close()
    expect(vi.getTimerCount()).toBe(0)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(other.callbackAttempts).toBe(1)
  })

  it('callbackRetries 0 makes a single attempt', async () => {
    sim = engine({ queueMs: 0, processMs: 0, progressSteps: 1, callbackRetries: 0 })
    const task = sim.create({ endpoint: 'e', body: { callback: 'not a url' }, outputs, baseUrl: 'http://sim' })
    await vi.advanceTimersByTimeAsync(60_000)
    expect(task.callbackAttempts).toBe(1)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('names one file per output and count, prefixed when there are several outputs', () => {
    sim = engine({ queueMs: 0, processMs: 0, progressSteps: 1 })
    const task = sim.create({
      endpoint: 'e',
      body: { batch_size: 2 },
      outputs: [{ key: 'images_path', type: 'image' }, { key: 'mask_path', type: 'mask' }],
      baseUrl: 'https://cdn.example'
    })
    vi.advanceTimersByTime(1)
    expect(task.status).toBe(3)
    expect(JSON.parse(task.result ?? '')).toEqual({
      images_path: [`https://cdn.example/assets/${task.id}/0-0.png`, `https://cdn.example/assets/${task.id}/0-1.png`],
      mask_path: [`https://cdn.example/assets/${task.id}/1-0.png`, `https://cdn.example/assets/${task.id}/1-1.png`]
    })
  })
})

describe('outputCount', () => {
  it('reads qty, batch_size or image_num, else 1', () => {
    expect(outputCount({})).toBe(1)
    expect(outputCount({ qty: 3 })).toBe(3)
    expect(outputCount({ batch_size: 2 })).toBe(2)
    expect(outputCount({ image_num: 4 })).toBe(4)
    expect(outputCount({ qty: 0 })).toBe(1)
    expect(outputCount({ qty: '2' })).toBe(1)
    expect(outputCount({ qty: 1.5 })).toBe(1)
    expect(outputCount({ qty: 1000 })).toBe(10)
  })
})
