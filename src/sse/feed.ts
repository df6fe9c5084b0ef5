import type { TaskEvent } from '../tasks/model.ts'
import type { TaskService } from '../tasks/service.ts'
import { isTerminal } from '../tasks/state-machine.ts'
import { encodeSseFrame } from './encode.ts'
import type { SseStream } from './stream.ts'

export interface FeedOptions {
  owner: string
  /** One task's stream (ends after its terminal event); all of the owner's tasks when absent. */
  taskId?: string | undefined
  lastEventId?: number | undefined
}

type FeedService = Pick<TaskService, 'subscribe' | 'subscribed' | 'taskStreamStart' | 'ownerStreamStart'>

// One encoding per event, shared by every stream that receives it (the bus hands all of them the same object).
const encoded = new WeakMap<TaskEvent, Buffer>()
function frameOf (event: TaskEvent): Buffer {
  let frame = encoded.get(event)
  if (frame === undefined) {
    frame = Buffer.from(encodeSseFrame({ id: event.id, event: event.type, data: event.task }))
    encoded.set(event, frame)
  }
  return frame
}

/**
 * Connects a stream to the task events: subscribes first, then replays from the log, then flushes
 * what arrived meanwhile. Ids only ever increase on a stream, so nothing is sent twice and nothing
 * that happened between the replay and the subscription is lost. Rejects (after cleaning up) when
 * the task is not the owner's; call it before sending the stream.
 */
export async function startFeed (stream: SseStream, service: FeedService, opts: FeedOptions): Promise<void> {
  let lastSent = opts.lastEventId ?? 0
  let replaying = true
  const pending: TaskEvent[] = []

  const deliver = (event: TaskEvent): void => {
    if (event.id <= lastSent || stream.closed) return
    stream.sendEncoded(frameOf(event))
    lastSent = event.id
    if (opts.taskId !== undefined && isTerminal(event.task.status)) stream.end()
  }

  const unsubscribe = service.subscribe(opts.owner, (event) => {
    if (opts.taskId !== undefined && event.task.id !== opts.taskId) return
    if (replaying) pending.push(event)
    else deliver(event)
  })
  stream.onClose(unsubscribe)

  try {
    // Read history only once the subscription is live, or an event between the two would be lost.
    await service.subscribed(opts.owner)
    if (opts.taskId !== undefined) {
      const { events, latest, reset } = await service.taskStreamStart(opts.owner, opts.taskId, opts.lastEventId)
      if (reset && latest) {
        // History since the client's id is gone: say so, with the current state, instead of a silent gap.
        stream.send({ id: latest.id, event: 'task.reset', data: latest.task })
        lastSent = latest.id
      }
      events.forEach(deliver)
      // Resumed after the terminal event: nothing is missing and nothing more will come.
      if (latest && isTerminal(latest.task.status) && latest.id <= lastSent) stream.end()
    } else {
      const { events, lastId, reset } = await service.ownerStreamStart(opts.owner, opts.lastEventId)
      if (reset) {
        stream.send({ id: lastId, event: 'tasks.reset', data: { reason: 'history trimmed', tasks: events.map((e) => e.task) } })
        lastSent = lastId
      }
      events.forEach(deliver)
      // A bare id moves the client's Last-Event-ID past everything the snapshot already covers.
      if (lastId > lastSent) {
        stream.send({ id: lastId })
        lastSent = lastId
      }
    }
  } catch (err) {
    unsubscribe()
    throw err
  }
  replaying = false
  pending.splice(0).forEach(deliver)
}
