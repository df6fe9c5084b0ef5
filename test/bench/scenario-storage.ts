/** Scenario 7, bytes per task and per event on both stores (measured by test/bench/storage.ts). */
import { progress } from './common.ts'
import { P, REDIS_URL } from './options.ts'
import { fmt } from './report-format.ts'
import { results, scenario, stamp, type BenchScenario } from './results.ts'
import { measureStorage } from './storage.ts'

function storageSection (): string[] {
  const out = ['## 7. Storage per task and event', '', stamp('storage'), '']
  out.push(`\`test/bench/storage.ts\`: ${fmt(P.storage.tasks)} tasks over ${P.storage.owners} owners written straight through each store, then ${P.storage.eventsPerTask} more events per task; ` +
    'SQLite: pages in use after a WAL checkpoint (indexes included); Redis: `MEMORY USAGE` summed over every key of the run. Per event = growth from the extra events / their count; per task = the rest. ' +
    'The README turns these into the steady-state size for a rate and a retention.', '')
  const st = results.storage
  if (!st) return [...out, 'Not run.', '']
  if ('error' in st) return [...out, `**Failed:** ${st.error}`, '']
  out.push('| Backend | Per task, with its first event | Per further event |', '|---|---:|---:|')
  for (const f of st) out.push(`| ${f.backend} | ${fmt(f.bytesPerTask)} B | ${fmt(f.bytesPerEvent)} B |`)
  out.push('')
  return out
}

export const storageScenario: BenchScenario = {
  names: ['storage'],
  sections: ['7. Storage per task and event'],
  async run () {
    progress('scenario 7: storage per task and event')
    try {
      results.storage = await scenario('storage', () => measureStorage({ ...P.storage, redisUrl: REDIS_URL }))
    } catch (err) { progress(`storage failed: ${String(err)}`); results.storage = { error: String(err) } }
  },
  report: storageSection
}
