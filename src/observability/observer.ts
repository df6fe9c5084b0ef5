import type { TaskStatus } from '../tasks/model.ts'

export type TaskSource = 'create' | 'callback' | 'reconciler' | 'progress' | 'cancel'
export type CallbackOutcome = 'accepted' | 'duplicate' | 'rejected'
export type GatewayOperation = 'createTask' | 'getTask' | 'recover' | 'ping'

/**
 * What the domain reports for metrics, so it never imports a metrics library. Implementations
 * must be cheap and must not throw.
 */
export interface Observer {
  taskCreated: (capability: string) => void
  /** A task reached a terminal status; `source` is what moved it there. */
  taskFinished: (capability: string, status: TaskStatus, source: TaskSource) => void
  callback: (outcome: CallbackOutcome) => void
  /** One upstream call: its duration, the error code when it failed, and the provider's id. */
  gatewayCall: (operation: GatewayOperation, seconds: number, errorCode: string | null, provider: string) => void
}

export const NOOP_OBSERVER: Observer = {
  taskCreated: () => {},
  taskFinished: () => {},
  callback: () => {},
  gatewayCall: () => {}
}
