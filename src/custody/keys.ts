export const OUTPUTS_PREFIX = 'outputs/'
/** Where retries still owed live: one small object per task, in the same store as the copies. */
export const RETRY_PREFIX = 'custody-retry/'

// Task ids are UUIDs, already path-safe; the index keeps a task's outputs apart.
export const outputKey = (taskId: string, index: number): string => `${OUTPUTS_PREFIX}${taskId}/${index}`
export const retryKey = (taskId: string): string => `${RETRY_PREFIX}${taskId}`
export const isOutputKey = (key: string): boolean => key.startsWith(OUTPUTS_PREFIX)
