import type { SimLogger } from '../../simulator-kit/callback.ts'

// setTimeout stores delays as a signed 32-bit int and fires at once above that.
export const MAX_DELAY_MS = 2 ** 31 - 1

/**
 * The simulator engine's timers: they never keep the process alive, all die with close(), and a
 * throwing callback is logged instead of escaping. Once closed, nothing new is scheduled.
 */
export class EngineTimers {
  private readonly timers = new Set<NodeJS.Timeout>()
  /** Resolvers of pending pause() calls, so close() can end a backoff instead of stranding it. */
  private readonly sleepers = new Set<() => void>()
  private readonly logger: SimLogger
  private isClosed = false

  constructor (logger: SimLogger) {
    this.logger = logger
  }

  get closed (): boolean {
    return this.isClosed
  }

  after (ms: number, fn: () => void): void {
    if (this.isClosed) return
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      try {
        fn()
      } catch (err) {
        this.logger.error({ err }, 'simulator timer failed')
      }
    }, ms)
    timer.unref()
    this.timers.add(timer)
  }

  /** Resolves true after `ms`, or false as soon as the timers close. */
  pause (ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      if (this.isClosed) return resolve(false)
      const wake = (): void => resolve(false)
      this.sleepers.add(wake)
      this.after(ms, () => {
        this.sleepers.delete(wake)
        resolve(true)
      })
    })
  }

  /** Stops every timer and wakes every pause() with false. */
  close (): void {
    this.isClosed = true
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    for (const wake of this.sleepers) wake()
    this.sleepers.clear()
  }
}
