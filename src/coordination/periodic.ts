/**
 * Runs `pass` every `intervalMs`, one pass at a time (the next is scheduled when the last ends),
 * never keeping the process alive; `stop` waits for the pass in progress.
 */
export function createPeriodic (pass: () => Promise<unknown>, intervalMs: number, onError: (err: unknown) => void) {
  let timer: NodeJS.Timeout | undefined
  let running: Promise<unknown> | undefined

  function tick (): void {
    running = pass().catch(onError).finally(() => {
      running = undefined
      if (timer !== undefined) timer = setTimeout(tick, intervalMs).unref()
    })
  }

  return {
    start (): void { timer = setTimeout(tick, intervalMs).unref() },
    async stop (): Promise<void> {
      clearTimeout(timer)
      timer = undefined
      await running
    }
  }
}
