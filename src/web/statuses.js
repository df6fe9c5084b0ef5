// Generated from the server's task model by `npm run client:types`; do not edit.
// test/e2e/web-statuses.test.ts fails when this file and the model drift apart.

/** Every status a task can have, in the order of its life. */
export const STATUSES = ['queued', 'processing', 'succeeded', 'failed', 'canceled', 'timed_out']

/** The statuses a task ends in: its event stream ends after one. */
export const TERMINAL = new Set(['succeeded', 'failed', 'canceled', 'timed_out'])

/** The event names of task changes, `task.<status>`. */
export const TASK_EVENTS = ['task.queued', 'task.processing', 'task.succeeded', 'task.failed', 'task.canceled', 'task.timed_out']
