import { describe, expect, it } from 'vitest'
import { createSharedReads } from '../../src/sse/shared-reads.ts'
import type { StoredEvent } from '../../src/store/types.ts'
import type { ResumeLog } from '../../src/tasks/resume.ts'

const stored = (id: number): StoredEvent => ({ id, type: 'task.processing', data: `{"n":${id}}` })

/** A log of alice's events whose reads are counted, and can be held to see what waits on them. */
function countingLog (ids: number[]) {
  const log = {
    ids,
    reads: 0,
    fail: false,
    async afterStored (_filter: { owner: string }, afterId: number, limit: number) {
      log.reads++
      await Promise.resolve()
      if (log.fail) throw new Error('store unavailable')
      return log.ids.filter((id) => id > afterId).slice(0, limit).map(stored)
    },
    async lastId () { return log.ids.at(-1) ?? 0 }
  }
  return log satisfies ResumeLog
}

describe('shared replay reads (issue #18)', () => {
  it('runs one read for concurrent identical reads and hands each caller the same page', async () => {
    const log = countingLog([1, 2, 3])
    const reads = createSharedReads(log)
    const pages = await Promise.all(Array.from({ length: 5 }, () => reads.afterStored({ owner: 'alice' }, 1, 100)))
    expect(log.reads).toBe(1)
    for (const page of pages) expect(page.map((e) => e.id)).toEqual([2, 3])
    // Another id, owner or task is another read.
    await reads.afterStored({ owner: 'alice' }, 2, 100)
    await reads.afterStored({ owner: 'bob' }, 1, 100)
    await reads.afterStored({ owner: 'alice', taskId: 't1' }, 1, 100)
    expect(log.reads).toBe(4)
  })

  it('keeps a page that reached the log end only until the owner\'s tail moves; a full page stays', async () => {
    const log = countingLog([1, 2, 3])
    const reads = createSharedReads(log)
    expect((await reads.afterStored({ owner: 'alice' }, 0, 2)).map((e) => e.id)).toEqual([1, 2])
    expect((await reads.afterStored({ owner: 'alice' }, 1, 3)).map((e) => e.id)).toEqual([2, 3])
    await reads.afterStored({ owner: 'alice' }, 1, 3)
    expect(log.reads).toBe(2)

    log.ids.push(4)
    reads.moved('bob')
    await reads.afterStored({ owner: 'alice' }, 1, 3)
    expect(log.reads).toBe(2)
    reads.moved('alice')
    expect((await reads.afterStored({ owner: 'alice' }, 1, 3)).map((e) => e.id)).toEqual([2, 3, 4])
    expect((await reads.afterStored({ owner: 'alice' }, 0, 2)).map((e) => e.id)).toEqual([1, 2])
    expect(log.reads).toBe(3)
  })

  it('keeps only the first page of a lone replay, and every page once a second stream follows it', async () => {
    const log = countingLog(Array.from({ length: 10 }, (_, i) => i + 1))
    const reads = createSharedReads(log)
    const replay = async (): Promise<number[]> => {
      const ids: number[] = []
      for (let after = 0; ;) {
        const page = await reads.afterStored({ owner: 'alice' }, after, 3)
        ids.push(...page.map((e) => e.id))
        if (page.length < 3) return ids
        after = page.at(-1)!.id
      }
    }
    const all = Array.from({ length: 10 }, (_, i) => i + 1)
    expect(await replay()).toEqual(all)
    expect(log.reads).toBe(4)
    // The second stream shares the first page, reads each later one again and keeps it; the third reads nothing.
    expect(await replay()).toEqual(all)
    expect(log.reads).toBe(7)
    expect(await replay()).toEqual(all)
    expect(log.reads).toBe(7)
  })

  it('does not hand out a read that started before the tail moved, even while it is still running', async () => {
    const log = countingLog([1, 2])
    const reads = createSharedReads(log)
    const early = reads.afterStored({ owner: 'alice' }, 0, 100)
    log.ids.push(3)
    reads.moved('alice')
    const late = reads.afterStored({ owner: 'alice' }, 0, 100)
    expect((await early).map((e) => e.id)).toEqual([1, 2, 3])
    expect((await late).map((e) => e.id)).toEqual([1, 2, 3])
    expect(log.reads).toBe(2)
  })

  it('forgets failed reads, expired pages and, past its byte bound, the oldest pages', async () => {
    const log = countingLog([1, 2, 3])
    log.fail = true
    const reads = createSharedReads(log, { ttlMs: 60_000, maxBytes: 150 })
    await expect(reads.afterStored({ owner: 'alice' }, 0, 5)).rejects.toThrow('store unavailable')
    log.fail = false
    await reads.afterStored({ owner: 'alice' }, 0, 5)
    expect(log.reads).toBe(2)
    // About 40 bytes an event: the page of two pushes out the page of three.
    await reads.afterStored({ owner: 'alice' }, 1, 5)
    await reads.afterStored({ owner: 'alice' }, 2, 5)
    await reads.afterStored({ owner: 'alice' }, 2, 5)
    expect(log.reads).toBe(4)
    await reads.afterStored({ owner: 'alice' }, 0, 5)
    expect(log.reads).toBe(5)

    const brief = createSharedReads(log, { ttlMs: 0 })
    await brief.afterStored({ owner: 'alice' }, 0, 1)
    await brief.afterStored({ owner: 'alice' }, 0, 1)
    expect(log.reads).toBe(7)
  })
})
