/**
 * Virtual time for the poller: sleep() resolves only when the driver moves the clock past it, and
 * the driver moves it only when every worker is waiting, so concurrency is real and time is not.
 */
export function fakeClock (start = 1_000_000) {
  let now = start
  const timers: { at: number, resolve: () => void }[] = []
  const settle = async () => {
    for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve))
  }
  return {
    now: () => now,
    sleep: (ms: number) => new Promise<void>((resolve) => { timers.push({ at: now + Math.max(0, ms), resolve }) }),
    /** Runs `work` to completion, advancing virtual time to the next timer whenever nothing else can run. */
    async drive<T> (work: Promise<T>): Promise<T> {
      let done = false
      const result = work.finally(() => { done = true })
      for (let steps = 0; !done; steps++) {
        if (steps > 1_000_000) throw new Error('the fake clock never settled')
        await settle()
        if (done) break
        timers.sort((a, b) => a.at - b.at)
        const first = timers.shift()
        if (!first) continue
        now = Math.max(now, first.at)
        first.resolve()
      }
      return await result
    }
  }
}
