import type { TaskEvent } from '../tasks/model.ts'

export type EventListener = (event: TaskEvent) => void

/** Live fan-out of task events to open streams. Durable history lives in the EventLog, not here. */
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
