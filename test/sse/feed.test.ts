import { describe, expect, it } from 'vitest'
import { openFeed, type FeedDeps } from '../../src/sse/feed.ts'
import type { SseStream } from '../../src/sse/stream.ts'
import type { TailReader } from '../../src/sse/tail.ts'
import type { StoredEvent } from '../../src/store/types.ts'
import type { TaskEvent } from '../../src/tasks/model.ts'

const event = (id: number): TaskEvent => ({ id, type: 'task.processing', owner: 'alice', task: { id: 't1', status: 'processing' } } as unknown as TaskEvent)
const stored = (id: number): StoredEvent => ({ id, type: 'task.processing', data: JSON.stringify(event(id).task) })

/** A stream that records the ids it was given, and whether it was ended. */
function recordingStream (): SseStream & { ids: number[], ended: boolean } {
  const s = {
    ids: [] as number[],
    ended: false,
    closed: false,
    backlogged: false,
    drained: async () => {},
    send: () => !s.ended,
    sendEncoded (chunk: Buffer | string) {
      if (s.ended) return false
      // A replay writes several frames at once.
      for (const m of chunk.toString().matchAll(/^id: (\d+)/gm)) s.ids.push(Number(m[1]))
      return true
    },
    attach: () => {},
    end: () => { s.ended = true },
    onClose: () => {}
  }
  return s
}

describe('feed (issue #11)', () => {
  it('sends none of the live events read during a replay that fails, so the client resumes before the gap', async () => {
    let reader: TailReader | undefined
    const deps: FeedDeps = {
      tails: { join: async (_owner, r) => { reader = r; return () => {} }, size: () => 1, close: () => {} },
      service: {
        get: async () => { throw new Error('not used') },
        taskStreamStart: async () => { throw new Error('not used') },
        ownerStreamStart: async () => ({
          kind: 'replay',
          pages: (async function * () {
            yield [stored(2)]
            // Redis goes away between two pages of the replay, while the tail reads a later event.
            reader!.receive(event(5))
            throw new Error('store unavailable')
          })()
        })
      }
    }
    const stream = recordingStream()
    const feed = await openFeed(stream, deps, { owner: 'alice', lastEventId: 1 })
    await expect(feed.run()).rejects.toThrow('store unavailable')
    reader!.receive(event(6))
    expect(stream.ids).toEqual([2])
    expect(stream.ended).toBe(true)
  })
})
