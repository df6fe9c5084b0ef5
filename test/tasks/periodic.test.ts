import { describe, expect, it } from 'vitest'
import { createPeriodic } from '../../src/coordination/periodic.ts'

/** Resolves once `check` holds, polling every few ms; fails after a generous deadline. */
async function until (check: () => boolean, deadlineMs = 10_000): Promise<void> {
  const end = Date.now() + deadlineMs
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** A pass that stays in flight until the test releases it, counting starts and overlaps. */
function gatedPass () {
  const state = { started: 0, finished: 0, inFlight: 0, maxInFlight: 0, release: () => {} }
  const pass = async (): Promise<void> => {
    state.started++
    state.inFlight++
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight)
    await new Promise<void>((resolve) => { state.release = resolve })
    state.inFlight--
    state.finished++
  }
  return { state, pass }
}

describe('periodic loop (the reconciler, retention and media sweeps)', () => {
  it('runs the first pass at once when asked to, and never two passes at the same time', async () => {
    const { state, pass } = gatedPass()
    const loop = createPeriodic(pass, 1, () => {}, { firstDelayMs: 0 })
    loop.start()
    loop.start()
    await until(() => state.started === 1)
    state.release()
    await until(() => state.started === 2)
    state.release()
    await until(() => state.started === 3)
    expect(state.maxInFlight).toBe(1)
    const stopped = loop.stop()
    state.release()
    await stopped
    expect(state.inFlight).toBe(0)
  })

  it('waits for the pass in flight on stop and schedules none after it', async () => {
    const { state, pass } = gatedPass()
    const loop = createPeriodic(pass, 1, () => {}, { firstDelayMs: 0 })
    loop.start()
    await until(() => state.started === 1)
    let stopDone = false
    const stopped = loop.stop().then(() => { stopDone = true })
    await new Promise((resolve) => setImmediate(resolve))
    expect(stopDone).toBe(false)
    state.release()
    await stopped
    expect(state.finished).toBe(1)
    // Several intervals later, still nothing new.
    const settle = Date.now() + 50
    await until(() => Date.now() >= settle)
    expect(state.started).toBe(1)
  })

  it('restarted while its last pass is finishing, still runs one pass at a time', async () => {
    const { state, pass } = gatedPass()
    const loop = createPeriodic(pass, 1, () => {}, { firstDelayMs: 0 })
    loop.start()
    await until(() => state.started === 1)
    const stopped = loop.stop()
    loop.start()
    state.release()
    await stopped
    await until(() => state.started === 2)
    expect(state.maxInFlight).toBe(1)
    const again = loop.stop()
    state.release()
    await again
  })

  it('reports a failed pass and goes on', async () => {
    const errors: unknown[] = []
    let passes = 0
    const loop = createPeriodic(async () => { if (++passes === 1) throw new Error('boom') }, 1, (err) => errors.push(err), { firstDelayMs: 0 })
    loop.start()
    await until(() => passes >= 2)
    await loop.stop()
    expect(errors).toHaveLength(1)
  })
})
