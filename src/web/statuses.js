// A task's statuses as the page words them; the terminal ones end a task's stream.

export const TERMINAL = new Set(['succeeded', 'failed', 'canceled', 'timed_out'])

export const STATUS_TEXT = {
  queued: 'Queued: waiting for the gateway',
  processing: 'Processing',
  succeeded: 'Succeeded',
  failed: 'Failed',
  canceled: 'Canceled',
  timed_out: 'Timed out'
}
