/**
 * What a benchmark run measured, scenario by scenario, and when: the figures the report is written
 * from, the load average around each scenario, and the stamp that names a section's run.
 */
import { cpus } from 'node:os'
import { loadAverage, type Child } from './common.ts'
import type { GrowthRow } from './growth.ts'
import { argv } from './options.ts'
import type { ReplayResult } from './replay-serving.ts'
import { revision } from './report-format.ts'
import type { FanoutResults } from './scenario-fanout.ts'
import type { CreateRuns } from './scenario-create.ts'
import type { IngestResult } from './scenario-ingest.ts'
import type { CapacityResult } from './stream-capacity.ts'
import type { StormResult } from './scenario-storm.ts'
import type { StorageFigures } from './storage.ts'

/** One scenario of the run: what selects it, what it writes, how it runs and how it reports. */
export interface BenchScenario {
  /** The `--only` names that select it. */
  names: string[]
  /** The report sections it writes (titles without the `## `). */
  sections: string[]
  /** Measures into `results`; failures are recorded there, not thrown. */
  run: (sim: Child & { url: string }) => Promise<void>
  /** Its sections of the report, as lines. */
  report: () => string[]
}

export const results: {
  create?: CreateRuns | { error: string }
  ingest?: IngestResult | { error: string }
  fanout: FanoutResults
  /** Scenario 5: `redis` describes the server, or says why the scenario could not run. */
  redis?: { info: string, aof: boolean } | { error: string }
  redisIngest?: IngestResult | { error: string }
  redisFanout: FanoutResults
  replay?: ReplayResult | { error: string }
  storage?: StorageFigures[] | { error: string }
  growth?: GrowthRow[] | { error: string }
  storm?: StormResult | { error: string }
  capacity?: CapacityResult | { error: string }
} = { fanout: {}, redisFanout: {} }

/** Load averages when each scenario started and ended: how busy the shared cores were. */
export const loads = new Map<string, { before: string, after?: string }>()
export async function scenario<T> (name: string, fn: () => Promise<T>): Promise<T> {
  const entry: { before: string, after?: string } = { before: loadAverage() }
  loads.set(name, entry)
  try { return await fn() } finally { entry.after = loadAverage() }
}
/** Where a section's figures come from, since a merged BENCHMARKS.md mixes runs. */
export function stamp (...names: string[]): string {
  const l = names.map((n) => loads.get(n)).find((x) => x !== undefined)
  return `_Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length} by \`tsx test/bench/run.ts${argv.length ? ` ${argv.join(' ')}` : ''}\`, ${revision()}; ` +
    `load average (1, 5, 15 min) ${l ? `${l.before} at the start, ${l.after ?? '?'} at the end` : 'unknown'}._`
}
