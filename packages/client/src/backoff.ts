/**
 * Exponential delay from `baseMs` (the server's retry: hint, so never sooner), capped at `maxMs`,
 * plus up to 50 % jitter so that clients cut off together do not all come back at once.
 */
export function backoffMs (attempt: number, baseMs: number, maxMs = 30_000): number {
  const cap = Math.max(maxMs, baseMs)
  const delay = Math.min(cap, baseMs * 2 ** Math.max(0, attempt - 1))
  return Math.min(cap, delay * (1 + Math.random() / 2))
}

/** Waits, or less when the signal aborts (callers check the signal afterwards). */
export function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve()
      return
    }
    const done = (): void => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
  })
}
