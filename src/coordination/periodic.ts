export interface PeriodicOptions {
  /** Delay before the first pass; `intervalMs` unless given (0 runs it as soon as the loop starts). */
  firstDelayMs?: number
}

/**
 * Runs `pass` every `intervalMs`, one pass at a time (the next is scheduled when the last ends),
 * never keeping the process alive; `stop` waits for the pass in progress. Starting a started loop
 * does nothing, so a pass never runs twice at once.
 */
export function createPeriodic (pass: () => Promise<unknown>, intervalMs: number, onError: (err: unknown) => void, options: PeriodicOptions = {}) {
  let timer: NodeJS.Timeout | undefined
  let running: Promise<unknown> | undefined
  let started = false

  function tick (): void {
    running = pass().catch(onError).finally(() => {
      running = undefined
      if (started) timer = setTimeout(tick, intervalMs).unref()
    })
  }

  return {
    start (): void {
      if (started) return
      started = true
      // A restart while the last pass is still finishing: that pass schedules the next one.
      if (running === undefined) timer = setTimeout(tick, options.firstDelayMs ?? intervalMs).unref()
    },
    async stop (): Promise<void> {
      started = false
      clearTimeout(timer)
      timer = undefined
      await running
    }
  }
}
