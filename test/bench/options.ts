/**
 * The benchmark's command line and parameters (see test/bench/run.ts for the options), the
 * temporary directory every server's files go into, and the credentials the scenarios share.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ROOT, loadAverage } from './common.ts'

export const argv = process.argv.slice(2)
export const flag = (name: string): string | undefined => {
  const hit = argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`))
  return hit === undefined ? undefined : (hit.split('=')[1] ?? 'true')
}
export const QUICK = flag('quick') !== undefined
export const PROFILE = flag('profile') !== undefined
export const HEAP = flag('heap-snapshots') !== undefined
export const ALL_SCENARIOS = ['create', 'ingest', 'fanout', 'redis', 'replay', 'storage', 'growth', 'storm', 'capacity']
export const ONLY = flag('only')?.split(',').map((s) => s.trim()) ?? ALL_SCENARIOS
export const ROUNDS = Number(flag('rounds') ?? (QUICK ? 1 : 5))
/** Scenario 5 repeats scenarios 2 and 3 with fewer rounds, to keep the whole run bounded. */
export const REDIS_ROUNDS = Math.min(ROUNDS, Number(flag('rounds') ?? 3))
/** The reconnect storm (scenario 9) is long per round; three keep the whole run bounded. */
export const STORM_ROUNDS = Math.min(ROUNDS, Number(flag('rounds') ?? 3))
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379'
/** Every BFF pair of this run gets `<REDIS_PREFIX>-<n>`; all of them are deleted at the end. */
export const REDIS_PREFIX = `bench-${randomBytes(6).toString('hex')}`
// A partial run (--only, --rounds) merges its sections into BENCHMARKS.md; trial runs leave it alone.
export const WRITE_REPORT = !PROFILE && !HEAP && !QUICK && flag('sizes') === undefined

export const P = {
  replay: { events: 100_000 },
  storage: { tasks: QUICK ? 2_000 : 10_000, eventsPerTask: 2, owners: 100 },
  growth: { sizes: QUICK ? [10_000, 100_000] : [10_000, 100_000, 1_000_000], reads: QUICK ? 200 : 1000, redisMax: 100_000 },
  create: { connections: 32, warmupSec: QUICK ? 1 : 2, durationSec: QUICK ? 2 : 5, owners: 16 },
  ingest: { connections: 32, warmupSec: QUICK ? 1 : 2, durationSec: QUICK ? 2 : 5, tasks: 4000 },
  fanout: {
    sizes: flag('sizes')?.split(',').map(Number) ?? (QUICK ? [1000] : [1000, 10_000]),
    owners: 10,
    /** Measured events per round (plus one warm-up event). */
    events: 5,
    clientProcesses: 2,
    openConcurrency: 100,
    deliveryTimeoutMs: 30_000
  },
  storm: {
    clients: Number(flag('storm-clients') ?? (QUICK ? 1_000 : 10_000)),
    owners: 100,
    /** Callbacks per task between the restart and the clients' return: what each resume replays. */
    missed: 2,
    /** One callback every this many ms (round-robin over the tasks) while the clients come back. */
    liveIntervalMs: 10,
    clientProcesses: 2,
    openConcurrency: 100,
    timeoutMs: 120_000
  },
  capacity: {
    /** Stream requests past the cap, each of which must get 503. */
    extra: 50,
    /** Requests per probe endpoint at the cap. */
    probes: 40,
    clientProcesses: 2,
    openConcurrency: 100,
    /** --quick: a lower open-file limit for the BFF, so the cap is reached in seconds. */
    fdLimit: QUICK ? 4096 : undefined
  }
}
// Scenarios 9 and 10 add about 2.5 minutes to the 11 of the others.
export const GLOBAL_DEADLINE_MS = 16 * 60_000
/** Pause after a load run before a server is stopped or checked, for requests still in flight. */
export const DRAIN_MS = 1000
export const PROFILE_DIR = join(ROOT, 'test-artifacts', 'cpu-prof')
export const HEAP_DIR = join(ROOT, 'test-artifacts', 'heap')

export const startLoad = loadAverage()
export const tmp = mkdtempSync(join(tmpdir(), 'bff-bench-'))
let dbCount = 0
export const freshDb = (): string => join(tmp, `db-${++dbCount}`, 'bff.sqlite')
export const freshDir = (): string => {
  const dir = join(tmp, `raw-${++dbCount}`)
  mkdirSync(dir, { recursive: true })
  return dir
}

export const VIDEO_BODY = JSON.stringify({ videoUrl: 'https://example.com/clips/bench.mp4', prompt: 'Upbeat acoustic guitar, sunny and light', duration: 30 })
export const keyOf = (owner: string): string => `bench-key-${owner}-0123456789`
export const apiKeys = (owners: string[]): string => owners.map((o) => `${o}:${keyOf(o)}`).join(',')
