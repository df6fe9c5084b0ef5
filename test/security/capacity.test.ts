import { describe, expect, it } from 'vitest'
import { capacityOf, NON_STREAM_HEADROOM, openFileLimit, RESERVED_DESCRIPTORS } from '../../src/security/capacity.ts'

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`

describe('instance capacity', () => {
  it('reads the soft open-file limit, and nothing where the platform does not say', () => {
    expect(openFileLimit(() => LIMITS)).toBe(1024)
    expect(openFileLimit(() => LIMITS.replace('1024 ', 'unlimited '))).toBeUndefined()
    expect(openFileLimit(() => { throw new Error('ENOENT') })).toBeUndefined()
    // This machine's own limit is a positive number (Linux).
    expect(openFileLimit()).toBeGreaterThan(0)
  })

  it('holds connections below the descriptor limit and streams below the connections', () => {
    expect(capacityOf({ fdLimit: 1024, connectionsMax: 4096 })).toEqual({ connections: 1024 - RESERVED_DESCRIPTORS, streams: 1024 - RESERVED_DESCRIPTORS - NON_STREAM_HEADROOM })
    expect(capacityOf({ fdLimit: 1_048_576, connectionsMax: 4096 })).toEqual({ connections: 4096, streams: 4096 - NON_STREAM_HEADROOM })
    expect(capacityOf({ fdLimit: undefined, connectionsMax: 500, streamsMax: 100 })).toEqual({ connections: 500, streams: 100 })
    // A configured stream cap never eats the headroom.
    expect(capacityOf({ fdLimit: undefined, connectionsMax: 500, streamsMax: 10_000 }).streams).toBe(500 - NON_STREAM_HEADROOM)
    expect(capacityOf({ fdLimit: 100, connectionsMax: 4096 })).toEqual({ connections: 1, streams: 1 })
  })
})
