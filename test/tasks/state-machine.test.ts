import { describe, expect, it } from 'vitest'
import { advance, isTerminal } from '../../src/tasks/state-machine.ts'
import { UPSTREAM_STATUS } from '../../src/providers/tomoviee/status.ts'

describe('advance', () => {
  it('moves forward through the statuses', () => {
    expect(advance({ status: 'queued', progress: 0 }, { status: 'processing', progress: 10 })).toEqual({ status: 'processing', progress: 10 })
    expect(advance({ status: 'processing', progress: 10 }, { status: 'succeeded' })).toEqual({ status: 'succeeded', progress: 100 })
    expect(advance({ status: 'queued', progress: 0 }, { status: 'failed' })).toEqual({ status: 'failed', progress: 0 })
  })

  it('ignores duplicates and stale statuses', () => {
    expect(advance({ status: 'queued', progress: 0 }, { status: 'queued' })).toBeNull()
    expect(advance({ status: 'processing', progress: 50 }, { status: 'queued' })).toBeNull()
    expect(advance({ status: 'processing', progress: 50 }, { status: 'processing', progress: 50 })).toBeNull()
    expect(advance({ status: 'processing', progress: 50 }, { status: 'processing', progress: 20 })).toBeNull()
  })

  it('counts a higher progress within processing', () => {
    expect(advance({ status: 'processing', progress: 50 }, { status: 'processing', progress: 80 })).toEqual({ status: 'processing', progress: 80 })
    expect(advance({ status: 'processing', progress: 50 }, { status: 'processing', progress: 100 })).toEqual({ status: 'processing', progress: 99 })
    // Not a percentage at all: ignored rather than read as "done".
    expect(advance({ status: 'processing', progress: 50 }, { status: 'processing', progress: 250 })).toBeNull()
    expect(advance({ status: 'processing', progress: 50 }, { status: 'processing', progress: 1e308 })).toBeNull()
    expect(advance({ status: 'queued', progress: 0 }, { status: 'processing', progress: -3 })).toEqual({ status: 'processing', progress: 0 })
  })

  it('never leaves a terminal status', () => {
    for (const status of ['succeeded', 'failed', 'canceled', 'timed_out'] as const) {
      expect(isTerminal(status)).toBe(true)
      for (const next of ['queued', 'processing', 'succeeded', 'failed', 'canceled', 'timed_out'] as const) {
        expect(advance({ status, progress: 100 }, { status: next, progress: 100 })).toBeNull()
      }
    }
  })

  it('maps the six upstream statuses', () => {
    expect([1, 2, 3, 4, 5, 6].map((s) => UPSTREAM_STATUS[s])).toEqual(['queued', 'processing', 'succeeded', 'failed', 'canceled', 'timed_out'])
    expect(UPSTREAM_STATUS[7]).toBeUndefined()
  })
})
