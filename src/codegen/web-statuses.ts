import { TASK_EVENT_TYPES, TASK_STATUSES, TERMINAL_STATUSES } from '../tasks/model.ts'

/** The demo page's module of task statuses, relative to the project root. */
export const WEB_STATUSES_FILE = 'src/web/statuses.js'

const list = (values: readonly string[]): string => `[${values.map((v) => `'${v}'`).join(', ')}]`

/**
 * The statuses and event names the demo page needs, as a browser module: the page has no build
 * step, so it gets them from the task model through this generated file instead of a copy by hand.
 */
export function generateWebStatuses (): string {
  return `// Generated from the server's task model by \`npm run client:types\`; do not edit.
// test/e2e/web-statuses.test.ts fails when this file and the model drift apart.

/** Every status a task can have, in the order of its life. */
export const STATUSES = ${list(TASK_STATUSES)}

/** The statuses a task ends in: its event stream ends after one. */
export const TERMINAL = new Set(${list(TERMINAL_STATUSES)})

/** The event names of task changes, \`task.<status>\`. */
export const TASK_EVENTS = ${list(TASK_EVENT_TYPES)}
`
}
