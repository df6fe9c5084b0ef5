// A task's status in the page's words. Keyed by every status of the generated statuses module;
// test/e2e/web-statuses.test.ts fails when a status has no words here.

export const STATUS_TEXT = {
  queued: 'Queued: waiting for the gateway',
  processing: 'Processing',
  succeeded: 'Succeeded',
  failed: 'Failed',
  canceled: 'Canceled',
  timed_out: 'Timed out'
}
