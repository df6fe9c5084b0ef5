import type { TaskEvent, TaskEventType, TaskStatus } from '../tasks/model.ts'
import type { ResumeOptions } from '../tasks/resume.ts'
import type { ReplayPages, TaskService } from '../tasks/service.ts'
import { isTerminal } from '../tasks/state-machine.ts'
import { frameOf, pageFrame, REPLAY_CHUNK, storedFrame } from './frames.ts'
import type { SseStream } from './stream.ts'
import type { EventTails } from './tail.ts'

export interface FeedOptions {
  owner: string
  /** One task's stream (ends after its terminal event); all of the owner's tasks when absent. */
  taskId?: string | undefined
  lastEventId?: number | undefined
}

export interface FeedDeps {
  service: Pick<TaskService, 'get' | 'taskStreamStart' | 'ownerStreamStart'>
  tails: EventTails
  /** What resumes read (reads shared between streams) and their horizon: an older resume gets a reset instead. */
  resume?: ResumeOptions | undefined
}

export interface Feed {
  /** Replays what the client missed (once the stream is attached, so it can wait for the socket), then goes live. */
  run: () => Promise<void>
}

const statusOf = (type: TaskEventType): TaskStatus => type.slice('task.'.length) as TaskStatus

/**
 * Connects a stream to the owner's tail first, then (in `run`) replays from the log, then
 * delivers what the tail read meanwhile. Ids only ever increase on a stream, so nothing is sent
 * twice, and the tail covers everything committed after it joined, so nothing is lost between
 * the replay and going live. Rejects (after cleaning up) when the task is not the owner's; call
 * it before sending the stream.
 */
export async function openFeed (stream: SseStream, deps: FeedDeps, opts: FeedOptions): Promise<Feed> {
  let lastSent = opts.lastEventId ?? 0
  let pending: TaskEvent[] | null = []

  const deliver = (event: TaskEvent): void => {
    if (event.id <= lastSent || stream.closed) return
    stream.sendEncoded(frameOf(event))
    lastSent = event.id
    if (opts.taskId !== undefined && isTerminal(event.task.status)) stream.end()
  }
  /** `deliver` for events that go out together (read during the replay, or a snapshot): one write. */
  const deliverAll = (events: TaskEvent[]): void => {
    const frames: Buffer[] = []
    let last = false
    for (const event of events) {
      if (event.id <= lastSent) continue
      frames.push(frameOf(event))
      lastSent = event.id
      last = opts.taskId !== undefined && isTerminal(event.task.status)
      if (last) break
    }
    if (stream.closed || frames.length === 0) return
    stream.sendEncoded(frames.length === 1 ? frames[0]! : Buffer.concat(frames))
    if (last) stream.end()
  }

  const leave = await deps.tails.join(opts.owner, {
    taskId: opts.taskId,
    receive: (event) => { if (pending) pending.push(event); else deliver(event) }
  })
  stream.onClose(leave)
  if (opts.taskId !== undefined) {
    try {
      await deps.service.get(opts.owner, opts.taskId)
    } catch (err) {
      leave()
      throw err
    }
  }

  /** Writes part of a replay, then waits while the socket is behind; false once the stream is gone. */
  async function flush (chunk: Buffer | string): Promise<boolean> {
    if (chunk.length > 0) stream.sendEncoded(chunk)
    if (!stream.closed && stream.backlogged) await stream.drained()
    return !stream.closed
  }

  async function sendPages (pages: ReplayPages): Promise<void> {
    for await (const page of pages) {
      // A whole page in one write when nothing in it was sent and no terminal event ends the stream inside it.
      const whole = opts.taskId === undefined && page.length > 0 && page[0]!.id > lastSent ? pageFrame(page) : null
      if (whole !== null) {
        lastSent = page.at(-1)!.id
        if (!await flush(whole)) return
        continue
      }
      let chunk = ''
      for (const event of page) {
        if (event.id <= lastSent) continue
        chunk += storedFrame(event)
        lastSent = event.id
        const last = opts.taskId !== undefined && isTerminal(statusOf(event.type))
        if (last || chunk.length >= REPLAY_CHUNK) {
          if (!await flush(chunk)) return
          chunk = ''
        }
        if (last) return stream.end()
      }
      if (!await flush(chunk)) return
    }
  }

  async function replayTask (taskId: string): Promise<void> {
    const { pages, latest, reset } = await deps.service.taskStreamStart(opts.owner, taskId, opts.lastEventId, deps.resume)
    if (reset && latest) {
      // History since the client's id is gone: say so, with the current state, instead of a silent gap.
      stream.send({ id: latest.id, event: 'task.reset', data: latest.task })
      lastSent = latest.id
    }
    await sendPages(pages)
    // Resumed after the terminal event: nothing is missing and nothing more will come.
    if (latest && isTerminal(latest.task.status) && latest.id <= lastSent) stream.end()
  }

  async function replayOwner (): Promise<void> {
    const start = await deps.service.ownerStreamStart(opts.owner, opts.lastEventId, deps.resume)
    if (start.kind === 'replay') return sendPages(start.pages)
    if (start.reset) {
      stream.send({ id: start.lastId, event: 'tasks.reset', data: { reason: start.reset, tasks: start.events.map((e) => e.task) } })
      lastSent = start.lastId
    }
    deliverAll(start.events)
    // A bare id moves the client's Last-Event-ID past everything the snapshot already covers.
    if (start.lastId > lastSent) {
      stream.send({ id: start.lastId })
      lastSent = start.lastId
    }
  }

  return {
    async run () {
      try {
        await (opts.taskId !== undefined ? replayTask(opts.taskId) : replayOwner())
      } catch (err) {
        // The live events read meanwhile lie beyond the part of the replay that failed: sending them
        // would move the client's Last-Event-ID past a gap. End here; it resumes from what it got.
        pending = null
        stream.end()
        throw err
      }
      const queued = pending ?? []
      pending = null
      deliverAll(queued)
    }
  }
}
