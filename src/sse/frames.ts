import type { StoredEvent } from '../store/types.ts'
import type { TaskEvent } from '../tasks/model.ts'
import { encodeSseFrame } from './encode.ts'

// A replay writes its frames in chunks of about this many characters: one write (and one syscall)
// per chunk instead of per event, far below SSE_MAX_BUFFER_BYTES, so a client that keeps up is never
// dropped for the size of a chunk, while backpressure still stops the replay within one chunk.
export const REPLAY_CHUNK = 16 * 1024

// One encoding per event, shared by every stream that receives it (a tail hands all of them the same object).
const encoded = new WeakMap<TaskEvent, Buffer>()
export function frameOf (event: TaskEvent): Buffer {
  let frame = encoded.get(event)
  if (frame === undefined) {
    frame = Buffer.from(encodeSseFrame({ id: event.id, event: event.type, data: event.task }))
    encoded.set(event, frame)
  }
  return frame
}

export const storedFrame = (event: StoredEvent): string => encodeSseFrame({ id: event.id, event: event.type, data: event.data })

// Streams resuming from the same id get the same page object (src/sse/shared-reads.ts): one encoding for all.
const encodedPages = new WeakMap<StoredEvent[], Buffer | null>()
/** A whole replay page as one write, or null when it is larger than a chunk (the replay then chunks it). */
export function pageFrame (page: StoredEvent[]): Buffer | null {
  let frame = encodedPages.get(page)
  if (frame === undefined) {
    let size = 0
    for (const event of page) size += event.data.length + 48
    frame = size > REPLAY_CHUNK ? null : Buffer.from(page.map(storedFrame).join(''))
    encodedPages.set(page, frame)
  }
  return frame
}
