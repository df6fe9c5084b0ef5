/**
 * The child side of the benchmark's process protocol: answers commands from the coordinator over
 * IPC, exits when the coordinator goes away, and never outlives BENCH_MAX_LIFETIME_MS.
 */
import { getHeapStatistics, writeHeapSnapshot } from 'node:v8'

type Handler = (msg: Record<string, unknown>) => unknown

export interface ChildOptions {
  /** Sent with the ready message. */
  info: Record<string, unknown>
  handlers?: Record<string, Handler>
  /** Graceful stop (SIGTERM, or the coordinator gone); the process exits afterwards. */
  onStop?: () => Promise<void> | void
}

/** Full garbage collections (needs --expose-gc), then the heap as the process sees it. */
export async function settle (): Promise<Record<string, number>> {
  const gc = (globalThis as { gc?: () => void }).gc
  for (let i = 0; i < 3; i++) {
    gc?.()
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const mem = process.memoryUsage()
  return { rss: mem.rss, heapUsed: mem.heapUsed, external: mem.external, arrayBuffers: mem.arrayBuffers, mallocedMemory: getHeapStatistics().malloced_memory }
}

export function startChild (opts: ChildOptions): void {
  if (!process.send) throw new Error('start this through test/bench/run.ts (it needs an IPC channel)')
  let stopping = false
  const stop = async (code = 0): Promise<void> => {
    if (stopping) return
    stopping = true
    const force = setTimeout(() => process.exit(1), 10_000)
    force.unref()
    try {
      await opts.onStop?.()
    } catch (err) {
      process.stderr.write(`stop failed: ${String(err)}\n`)
      code = 1
    }
    // process.exit (not a hard kill) so that --cpu-prof still writes its profile.
    process.exit(code)
  }
  const handlers: Record<string, Handler> = {
    settle: () => settle(),
    heapSnapshot: async (msg) => { await settle(); return writeHeapSnapshot(String(msg.path)) },
    stop: () => { setImmediate(() => { void stop() }); return true },
    ...opts.handlers
  }

  process.on('message', (raw) => {
    const msg = raw as Record<string, unknown>
    const handler = handlers[String(msg.cmd)]
    const reply = (body: Record<string, unknown>): void => { if (process.connected) process.send!({ reply: msg.id, ...body }) }
    if (!handler) return reply({ error: `unknown command ${String(msg.cmd)}` })
    Promise.resolve().then(() => handler(msg)).then((result) => reply({ result }), (err: unknown) => reply({ error: err instanceof Error ? err.message : String(err) }))
  })
  // The coordinator died or closed the channel: nobody is left to stop us.
  process.on('disconnect', () => { void stop() })
  process.once('SIGTERM', () => { void stop() })
  process.once('SIGINT', () => { void stop() })
  // Past the coordinator's own deadline (GLOBAL_DEADLINE_MS), so the simulator outlives a full run.
  const lifetime = Number(process.env.BENCH_MAX_LIFETIME_MS ?? 17 * 60_000)
  setTimeout(() => {
    process.stderr.write(`exceeded BENCH_MAX_LIFETIME_MS (${lifetime} ms), exiting\n`)
    void stop(2)
  }, lifetime).unref()
  process.send({ type: 'ready', pid: process.pid, ...opts.info })
}
