/** Every scenario of `npm run bench`, in the order they run and appear in BENCHMARKS.md. */
import type { BenchScenario } from './results.ts'
import { capacityScenario } from './scenario-capacity.ts'
import { createScenario } from './scenario-create.ts'
import { fanoutScenario } from './scenario-fanout.ts'
import { growthScenario } from './scenario-growth.ts'
import { ingestScenario } from './scenario-ingest.ts'
import { redisScenario } from './scenario-redis.ts'
import { replayScenario } from './scenario-replay.ts'
import { storageScenario } from './scenario-storage.ts'
import { stormScenario } from './scenario-storm.ts'

export const SCENARIOS: readonly BenchScenario[] = [
  createScenario, ingestScenario, fanoutScenario, redisScenario, replayScenario, storageScenario, growthScenario, stormScenario, capacityScenario
]

/** The report sections each `--only` name writes (titles without the `## `). */
export const SECTIONS: Record<string, string[]> = Object.fromEntries(SCENARIOS.flatMap((s) => s.names.map((name) => [name, s.sections])))
