/**
 * The growth benchmark's seed (test/bench/growth.ts), the same on both stores.
 *
 * Tasks, counted per owner (the n-th task of its owner): 10 per owner are `text-to-music` (the rest
 * `video-scoring`) and 10 per owner carry the metadata `campaign=launch` (the rest
 * `campaign=regular`), each set spread evenly through the owner's history (one in every tenth of
 * it), so a matching page holds the same 10 rows at every size and only the walk to them grows;
 * each owner's 10 oldest are still processing (the rest succeeded: a filter for them must find 10 rows
 * behind every other one, and the unfinished set stays the same size as the data grows); none failed;
 * one event each.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { createSqliteStore } from '../../src/store/sqlite.ts'
import type { EventLog, TaskStore } from '../../src/store/types.ts'
import type { TaskRecord } from '../../src/tasks/model.ts'
import { seedRedis, startPrivateRedis } from './growth-redis.ts'

// n = the task's rank among its owner's tasks, so every owner gets the same mix whatever the count of owners.
const SEED = `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < @count)
  INSERT INTO tasks (id, owner, capability, status, progress, input, outputs, error, upstream_task_id,
    callback_token_hash, created_at, updated_at, version, next_check_at, deadline_at, check_attempts, provider, metadata)
  SELECT printf('t%08d', i), printf('o%d', i % @owners),
    CASE WHEN (i / @owners) % @stride = @musicAt THEN 'text-to-music' ELSE 'video-scoring' END,
    CASE WHEN i < 10 * @owners THEN 'processing' ELSE 'succeeded' END,
    CASE WHEN i < 10 * @owners THEN 40 ELSE 100 END,
    '{"videoUrl":"https://example.com/clips/bench.mp4","prompt":"Upbeat acoustic guitar"}',
    '[]', NULL, printf('u%08d', i), hex(randomblob(32)),
    strftime('%Y-%m-%dT%H:%M:%S.000Z', '2026-01-01', printf('+%d seconds', i)),
    strftime('%Y-%m-%dT%H:%M:%S.000Z', '2026-01-01', printf('+%d seconds', i)),
    2, NULL, 0, 0, 'tomoviee',
    json_object('campaign', CASE WHEN (i / @owners) % @stride = @launchAt THEN 'launch' ELSE 'regular' END)
  FROM n`

const SEED_METADATA = `INSERT INTO task_metadata (owner, key, value, created_at, task_id, status, capability)
  SELECT owner, 'campaign', json_extract(metadata, '$.campaign'), created_at, id, status, capability FROM tasks`

const SEED_EVENTS = `INSERT INTO events (task_id, owner, type, data)
  SELECT id, owner, 'task.' || status, json_object('id', id, 'capability', capability, 'provider', provider,
    'status', status, 'progress', progress, 'input', json(input), 'outputs', json('[]'), 'error', NULL,
    'createdAt', created_at, 'updatedAt', updated_at, 'metadata', json(metadata))
  FROM tasks ORDER BY created_at`

/**
 * Where the 10 matching tasks of each owner sit: one in every `stride` of its tasks, at the same
 * offsets as far as the owner's history allows (at 10 tasks per owner, every task matches).
 */
function matchSpread (count: number, owners: number): { stride: number, musicAt: number, launchAt: number } {
  const stride = Math.max(1, Math.floor(count / owners / 10))
  return { stride, musicAt: 7 % stride, launchAt: 42 % stride }
}

/** The i-th task of the SQLite seed, as a record for the Redis store's create. */
function seedRecord (i: number, count: number, owners: number): TaskRecord {
  const at = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString()
  const rank = Math.floor(i / owners)
  const { stride, musicAt, launchAt } = matchSpread(count, owners)
  const running = i < 10 * owners
  return {
    id: `t${String(i).padStart(8, '0')}`,
    owner: `o${i % owners}`,
    capability: rank % stride === musicAt ? 'text-to-music' : 'video-scoring',
    provider: 'tomoviee',
    status: running ? 'processing' : 'succeeded',
    progress: running ? 40 : 100,
    input: { videoUrl: 'https://example.com/clips/bench.mp4', prompt: 'Upbeat acoustic guitar' },
    outputs: [],
    error: null,
    upstreamTaskId: `u${String(i).padStart(8, '0')}`,
    callbackTokenHash: 'f'.repeat(64),
    createdAt: at,
    updatedAt: at,
    version: 2,
    nextCheckAt: null,
    deadlineAt: 0,
    checkAttempts: 0,
    metadata: { campaign: rank % stride === launchAt ? 'launch' : 'regular' }
  }
}

export type GrowthStore = Pick<TaskStore & EventLog, 'list' | 'get' | 'snapshot' | 'after'>
export interface Seeded { store: GrowthStore, count: number, close: () => Promise<void> }

export async function seedSqlite (count: number, owners: number, log: (line: string) => void): Promise<Seeded> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-growth-'))
  try {
    const path = join(dir, 'bff.sqlite')
    // The store creates (and migrates) the schema; the rows go in as SQL, far faster than its API.
    await createSqliteStore(path).close()
    const t0 = Date.now()
    const db = new Database(path)
    db.pragma('journal_mode = WAL')
    db.transaction(() => {
      db.prepare(SEED).run({ count, owners, ...matchSpread(count, owners) })
      db.prepare(SEED_METADATA).run()
      db.prepare(SEED_EVENTS).run()
    })()
    db.close()
    log(`growth: SQLite seeded with ${count} tasks over ${owners} owner(s) in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
    const store = createSqliteStore(path)
    return { store, count, async close () { await store.close(); rmSync(dir, { recursive: true, force: true }) } }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
}

export async function seedRedisStore (count: number, owners: number, log: (line: string) => void): Promise<Seeded> {
  // A fresh server per size: no size shares memory or keys with another.
  const redis = await startPrivateRedis()
  try {
    const t0 = Date.now()
    await seedRedis(redis.store, count, (i) => seedRecord(i, count, owners))
    const mib = (await redis.usedMemory()) / 2 ** 20
    log(`growth: Redis seeded with ${count} tasks over ${owners} owner(s) in ${((Date.now() - t0) / 1000).toFixed(1)} s (${mib.toFixed(0)} MiB)`)
    return { store: redis.store, count, close: redis.stop }
  } catch (err) {
    await redis.stop()
    throw err
  }
}
