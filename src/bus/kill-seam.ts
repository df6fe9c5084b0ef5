import type { EventBus } from './types.ts'

/**
 * A test seam, not a feature (issue #11): the crash tests need the process to die exactly between
 * an event's commit and its publish, a window a few microseconds wide. With NODE_ENV=test and
 * BFF_TEST_KILL_AT_PUBLISH=N the process SIGKILLs itself at its N-th publish, whose event is
 * already in the log. Under any other NODE_ENV the variable is ignored (server.ts says so once).
 */
export const KILL_SEAM_VARIABLE = 'BFF_TEST_KILL_AT_PUBLISH'

/** The N the seam is armed with, or undefined: never armed outside NODE_ENV=test. */
export function killSeamFrom (env: Record<string, string | undefined>): number | undefined {
  const raw = env[KILL_SEAM_VARIABLE]
  if (env.NODE_ENV !== 'test' || raw === undefined || !/^[1-9]\d*$/.test(raw)) return undefined
  return Number(raw)
}

/** The bus, except that its `at`-th publish reports the event on stderr and kills the process instead. */
export function withKillAtPublish (bus: EventBus, at: number, kill: () => void = () => process.kill(process.pid, 'SIGKILL')): EventBus {
  let calls = 0
  return {
    ...bus,
    async publish (event) {
      if (++calls !== at) return bus.publish(event)
      process.stderr.write(`kill seam: SIGKILL after committing event ${event.id}, before publishing it\n`)
      kill()
      // Only reached when a test passes its own `kill`: the event stays unpublished.
    }
  }
}
