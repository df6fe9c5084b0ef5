import type { EventBus } from '../bus/types.ts'
import type { EventLog } from '../store/types.ts'
import type { TaskEvent } from '../tasks/model.ts'

export interface TailOptions {
  log: Pick<EventLog, 'after' | 'lastId'>
  bus: EventBus
  /**
   * Every owner's log is read at least this often even when no notification comes: the bound on
   * how late an event whose publish was lost (writer killed, Redis restarted) reaches a stream.
   */
  catchUpMs: number
  pageSize?: number
  onError?: (err: unknown) => void
  /** Told whenever a tail's cursor moves (see SharedReads.moved), before its readers get the events. */
  onMove?: (owner: string) => void
}

export interface TailReader {
  /** Only this task's events; all of the owner's when absent. */
  taskId?: string | undefined
  /** Called with the owner's events in id order, each once, from when the reader joined. */
  receive: (event: TaskEvent) => void
}

interface Tail {
  owner: string
  /** The highest id read from the owner's log; null until the tail knows where the log is. */
  cursor: number | null
  readers: Set<TailReader>
  ready: Promise<void>
  pulling: boolean
  again: boolean
  /** A read started since the previous catch-up tick. */
  readSinceTick: boolean
  stop: () => void
}

export interface EventTails {
  /**
   * Adds a reader to its owner's tail and resolves once the tail is live: every event committed
   * after that reaches the reader. Resolves to the function that removes it.
   */
  join: (owner: string, reader: TailReader) => Promise<() => void>
  /** Owners with a live tail on this instance. */
  size: () => number
  close: () => void
}

/**
 * One reader of each owner's event log per instance, shared by all of that owner's streams. The
 * bus only says "something happened": the tail then reads the log from the last id it read, so
 * events arrive in id order and exactly once whatever order notifications come in, whichever
 * instance wrote them, and whether or not they were published at all (the periodic catch-up read).
 */
export function createEventTails (opts: TailOptions): EventTails {
  const pageSize = opts.pageSize ?? 500
  const onError = opts.onError ?? (() => {})
  const onMove = opts.onMove ?? (() => {})
  const tails = new Map<string, Tail>()

  async function read (tail: Tail): Promise<void> {
    for (;;) {
      const page = await opts.log.after({ owner: tail.owner }, tail.cursor!, pageSize)
      if (page.some((event) => event.id > tail.cursor!)) onMove(tail.owner)
      for (const event of page) {
        if (event.id <= tail.cursor!) continue
        tail.cursor = event.id
        // A reader may leave (its stream ends) while we iterate; a Set skips it then.
        for (const reader of tail.readers) {
          if (reader.taskId === undefined || reader.taskId === event.task.id) reader.receive(event)
        }
      }
      if (page.length < pageSize || tail.readers.size === 0) return
    }
  }

  async function pull (tail: Tail): Promise<void> {
    if (tail.cursor === null) return
    if (tail.pulling) {
      tail.again = true
      return
    }
    tail.pulling = true
    try {
      do {
        tail.again = false
        tail.readSinceTick = true
        await read(tail)
      } while (tail.again && tail.readers.size > 0)
    } catch (err) {
      // Redis down, for instance: the next notification or catch-up tick reads again from the cursor.
      onError(err)
    } finally {
      tail.pulling = false
    }
  }

  // Ticking at half the bound and skipping tails read since the previous tick still starts a read
  // within catchUpMs of any commit, and owners woken by notifications cost no extra reads.
  const timer = setInterval(() => {
    for (const tail of tails.values()) {
      if (tail.readSinceTick) tail.readSinceTick = false
      else void pull(tail)
    }
  }, Math.max(10, Math.floor(opts.catchUpMs / 2)))
  timer.unref()

  function open (owner: string): Tail {
    const tail: Tail = {
      owner, cursor: null, readers: new Set(), ready: Promise.resolve(), pulling: false, again: false, readSinceTick: false, stop: () => {}
    }
    tail.stop = opts.bus.subscribe(owner, () => { void pull(tail) })
    tail.ready = (async () => {
      // Subscribed first: whatever commits after the position is read below is also notified (or caught up).
      await opts.bus.ready?.(owner)
      const start = await opts.log.lastId()
      if (tail.cursor === null) {
        tail.cursor = start
        onMove(owner)
      }
    })()
    tails.set(owner, tail)
    return tail
  }

  function drop (tail: Tail): void {
    if (tails.get(tail.owner) !== tail) return
    tails.delete(tail.owner)
    tail.stop()
  }

  return {
    async join (owner, reader) {
      const tail = tails.get(owner) ?? open(owner)
      tail.readers.add(reader)
      const leave = (): void => {
        if (tail.readers.delete(reader) && tail.readers.size === 0) drop(tail)
      }
      try {
        await tail.ready
      } catch (err) {
        // The next stream of this owner starts a fresh tail instead of inheriting a dead one.
        leave()
        drop(tail)
        throw err
      }
      return leave
    },
    size: () => tails.size,
    close () {
      clearInterval(timer)
      for (const tail of [...tails.values()]) drop(tail)
    }
  }
}
