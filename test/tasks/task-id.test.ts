import { describe, expect, it } from 'vitest'
import { newTaskId } from '../../src/tasks/task-id.ts'

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const millisOf = (id: string): number => parseInt(id.replaceAll('-', '').slice(0, 12), 16)
// The 62 bits after the sequence (the first hex digit also holds the variant): what makes ids unguessable.
const randomPart = (id: string): string => id.replaceAll('-', '').slice(16)

describe('time-ordered task ids', () => {
  it('keep the UUID text form, version 7, with the creation millisecond first', () => {
    const before = Date.now()
    const id = newTaskId()
    expect(id).toMatch(UUID_V7)
    expect(millisOf(id)).toBeGreaterThanOrEqual(before)
    expect(millisOf(id)).toBeLessThanOrEqual(Date.now())
  })

  it('sort in creation order across milliseconds, also when the clock steps back', () => {
    const base = Date.now() + 10_000
    const ids = [base, base + 1, base + 2, base - 5_000, base + 3].map((ms) => newTaskId(ms))
    expect([...ids].sort()).toEqual(ids)
    expect(millisOf(ids[3]!)).toBe(base + 2)
  })

  it('stay ordered within one millisecond, past the sequence, with distinct random parts over several pool refills', () => {
    const ms = Date.now() + 20_000
    const ids = Array.from({ length: 5000 }, () => newTaskId(ms))
    expect([...ids].sort()).toEqual(ids)
    expect(new Set(ids.map(randomPart)).size).toBe(ids.length)
    expect(millisOf(ids[0]!)).toBe(ms)
    for (const id of ids) expect(id).toMatch(UUID_V7)
    // Every random hex digit position takes more than one value: no bit is stuck by the encoding.
    for (let i = 0; i < randomPart(ids[0]!).length; i++) {
      expect(new Set(ids.map((id) => randomPart(id)[i])).size).toBeGreaterThan(1)
    }
  })
})
