/**
 * `npm run bench`: what the BFF adds between frontends and the gateway, against plain node:http
 * baselines doing the same minimal work, measured in the same run, alternating BFF and baseline
 * round by round, medians over the rounds. Writes BENCHMARKS.md at the top level.
 *
 *   1. create      POST /v1/tasks/video-scoring through the BFF vs a raw undici forwarder
 *   2. ingest      gateway callbacks accepted durably vs raw JSON parse + SQLite insert
 *   3. fan-out     one callback to 1,000 / 10,000 open SSE streams vs a raw SSE broadcaster
 *   4. memory      server RSS per idle SSE stream (measured in the fan-out rounds)
 *   5. redis       scenarios 2 and 3 again with REDIS_URL set: two BFF instances sharing one Redis,
 *                  streams split over both, callbacks to the instance PUBLIC_URL names; beside the
 *                  embedded (SQLite, one instance) figures of the same run
 *   6. replay      a 100,000-event Last-Event-ID replay while another client reads a task
 *                  (test/bench/replay-serving.ts)
 *   7. storage     bytes per task and per event on both stores (test/bench/storage.ts)
 *   8. growth      store reads at 10k / 100k / 1M tasks (Redis: to 100k), one owner and 1,000 owners (test/bench/growth.ts)
 *   9. storm       N clients (default 10,000; --storm-clients=N) resuming /v1/events with Last-Event-ID
 *                  at once after a restart, against a raw server accepting N streams (reconnect-storm.ts)
 *  10. capacity    streams opened up to the cap derived from the open-file limit; 503 past it, and
 *                  the probes at the cap (stream-capacity.ts)
 *
 * Each scenario is test/bench/scenario-<name>.ts (its run and its report sections), listed in
 * scenarios.ts; servers.ts starts the servers and drives load, report.ts writes BENCHMARKS.md.
 *
 * Throughput figures carry the server's CPU time per request, read from /proc/<pid>/stat of the
 * server processes only, which holds up better than throughput on a shared machine.
 * Everything listens on 127.0.0.1; every server and client is a child process that stops by itself
 * (coordinator gone, or BENCH_MAX_LIFETIME_MS), and the whole run gives up after 16 minutes.
 * About 13 minutes on 2 cores (the storm about 1, the capacity figure under 1). Scenarios 5 and 7 need a Redis at BENCH_REDIS_URL (default
 * redis://127.0.0.1:6379); they use random key prefixes and delete their keys afterwards.
 * BENCHMARKS.md is merged section by section: a run replaces the sections of the scenarios it ran
 * (and "Machine and command") and keeps every other section as it was.
 * Options:
 *   --only=create,ingest,fanout,redis,replay,storage,growth,storm,capacity   run some scenarios (redis-fanout: only the fan-out of scenario 5)
 *   --rounds=N                    rounds per scenario (default 5; scenario 5: 3, or N if given)
 *   --quick                       shorter runs and 1,000 streams only, for trying the harness
 *   --profile                     run the BFF under --cpu-prof (profiles in test-artifacts/cpu-prof/;
 *                                 summarise with test/bench/cpuprofile-summary.ts); no BENCHMARKS.md
 *   --heap-snapshots              fan-out: heap snapshots of both servers, idle and with N streams open
 *                                 (test-artifacts/heap/; compare with test/bench/heap-diff.ts); no BENCHMARKS.md
 *   --sizes=1000,10000            fan-out stream counts
 *   --source                      run the BFF from its sources through tsx instead of compiled with tsc
 * --quick, --profile, --heap-snapshots and --sizes are trial runs: the report goes to stdout only.
 */
import { rmSync } from 'node:fs'
import { cpus } from 'node:os'
import { killAll, nowMs, progress, spawnChild, withTimeout, type Child } from './common.ts'
import { GLOBAL_DEADLINE_MS, ONLY, PROFILE, ROUNDS, tmp } from './options.ts'
import { buildBff, FROM_SOURCE } from './bff-build.ts'
import { report, writeReport } from './report.ts'
import { SCENARIOS } from './scenarios.ts'

async function main (): Promise<void> {
  const t0 = nowMs()
  const durations: { name: string, sec: number }[] = []
  progress(`${cpus()[0]?.model ?? 'CPU'} × ${cpus().length}, Node ${process.version}; scenarios ${ONLY.join(', ')}, ${ROUNDS} round(s)${PROFILE ? ', BFF under --cpu-prof' : ''}`)
  buildBff()
  progress(FROM_SOURCE ? 'the BFF runs from its sources (tsx)' : 'the BFF is compiled with tsc, as the image runs it')
  const sim = Object.assign(await spawnChild('simulator', 'sim-server.ts'), {}) as Child & { url: string }
  sim.url = String(sim.info.url)
  try {
    for (const s of SCENARIOS) {
      if (!s.names.some((name) => ONLY.includes(name))) continue
      const started = nowMs()
      await s.run(sim)
      durations.push({ name: s.names[0]!, sec: (nowMs() - started) / 1000 })
    }
  } finally {
    await sim.stop()
  }
  // Per scenario, so the full run's length can be estimated (and trimmed) from partial runs.
  for (const d of durations) progress(`scenario ${d.name}: ${(d.sec / 60).toFixed(1)} min`)
  writeReport(report((nowMs() - t0) / 1000, durations), t0)
}

const deadline = setTimeout(() => {
  progress(`global deadline of ${GLOBAL_DEADLINE_MS / 60_000} min passed; killing every child process`)
  killAll()
  process.exit(2)
}, GLOBAL_DEADLINE_MS)
deadline.unref()

try {
  await withTimeout(main(), GLOBAL_DEADLINE_MS, 'the benchmark')
} catch (err) {
  progress(`failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`)
  killAll()
  process.exitCode = 1
} finally {
  rmSync(tmp, { recursive: true, force: true })
}
