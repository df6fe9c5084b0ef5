import type { TaskEvent } from '../tasks/model.ts'

export type EventListener = (event: TaskEvent) => void

/**
 * Tells open streams that an owner's log has something new. Streams read the events from the
 * EventLog, so a notification lost or out of order costs latency (up to SSE_CATCH_UP_MS), never an event.
 */
export interface EventBus {
  /** Delivers the event to every current subscriber of its owner. Must not throw because a listener did. */
  publish: (event: TaskEvent) => Promise<void>
  /** Listens for one owner's events until the returned function is called. */
  subscribe: (owner: string, listener: EventListener) => () => void
  /**
   * Resolves once the owner's subscription is live, for buses that subscribe asynchronously
   * (Redis): a stream should await it before reading history, or an event published between the
   * read and the subscription is lost. Rejects when subscribing failed.
   */
  ready?: (owner: string) => Promise<void>
  close: () => Promise<void>
}
