/**
 * Bytes per task and per event on both backends, seeded straight through the stores (not HTTP):
 * N tasks with their first event, then K more events each. SQLite: file pages in use after a
 * checkpoint; Redis: MEMORY USAGE summed over the run's keys. Per event = (after − before) / (N·K);
 * per task = before / N − per event. Standalone: `npx tsx test/bench/storage.ts [N]`.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { Redis } from 'ioredis'
import { createRedisStore } from '../../src/store/redis.ts'
import { createSqliteStore } from '../../src/store/sqlite.ts'
import type { EventLog, TaskStore } from '../../src/store/types.ts'
import type { TaskRecord } from '../../src/tasks/model.ts'

export interface StorageFigures { backend: string, tasks: number, eventsPerTask: number, bytesPerTask: number, bytesPerEvent: number }

/** A task as the create flow writes it, with a realistic input and token hash. */
export function seedTask (owner: string, at: number): TaskRecord {
  const iso = new Date(at).toISOString()
  return {
    id: randomUUID(),
    owner,
    capability: 'video-scoring',
    provider: 'tomoviee',
    status: 'queued',
    progress: 0,
    input: { videoUrl: 'https://example.com/clips/bench.mp4', prompt: 'Upbeat acoustic guitar, sunny and light', duration: 30 },
    outputs: [],
    error: null,
    upstreamTaskId: null,
    callbackTokenHash: randomBytes(32).toString('hex'),
    createdAt: iso,
    updatedAt: iso,
    version: 1,
    nextCheckAt: at + 60_000,
    deadlineAt: at + 3_600_000,
    checkAttempts: 0
  }
}

/** Seeds `n` tasks, `concurrency` writes at a time (so the store's group commit batches them). */
async function seed (store: TaskStore, n: number, extraEvents: number, owners: number): Promise<void> {
  const tasks: TaskRecord[] = []
  const start = Date.now() - n
  for (let i = 0; i < n; i += 500) {
    const batch = Array.from({ length: Math.min(500, n - i) }, (_, j) => seedTask(`owner${(i + j) % owners}`, start + i + j))
    await Promise.all(batch.map(async (t) => store.create(t, { maxActive: Number.MAX_SAFE_INTEGER, now: Date.now() })))
    tasks.push(...batch)
  }
  for (let e = 1; e <= extraEvents; e++) {
    for (let i = 0; i < tasks.length; i += 500) {
      await Promise.all(tasks.slice(i, i + 500).map(async (t, j) => {
        const next = { ...t, status: 'processing' as const, progress: e, version: t.version + 1, updatedAt: new Date(Date.parse(t.updatedAt) + 1).toISOString(), upstreamTaskId: t.upstreamTaskId ?? `up-${t.id}` }
        if (await store.update(next, true) === null) throw new Error('seed update lost')
        tasks[i + j] = next
      }))
    }
  }
}

function sqliteBytes (path: string): number {
  const db = new Database(path)
  try {
    db.pragma('wal_checkpoint(TRUNCATE)')
    const pages = db.pragma('page_count', { simple: true }) as number
    const free = db.pragma('freelist_count', { simple: true }) as number
    return (pages - free) * (db.pragma('page_size', { simple: true }) as number)
  } finally {
    db.close()
  }
}

async function redisBytes (redis: Redis, tag: string): Promise<number> {
  let total = 0
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${tag}*`, 'COUNT', 1000)
    cursor = next
    const pipe = redis.pipeline()
    for (const key of keys) pipe.memory('USAGE', key, 'SAMPLES', '0')
    for (const [, bytes] of (await pipe.exec()) ?? []) total += Number(bytes ?? 0)
  } while (cursor !== '0')
  return total
}

async function deleteKeys (redis: Redis, tag: string): Promise<void> {
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${tag}*`, 'COUNT', 1000)
    cursor = next
    if (keys.length) await redis.unlink(...keys)
  } while (cursor !== '0')
}

const perItem = (tasks: number, k: number, before: number, after: number): { bytesPerTask: number, bytesPerEvent: number } => {
  const bytesPerEvent = (after - before) / (tasks * k)
  return { bytesPerEvent, bytesPerTask: before / tasks - bytesPerEvent }
}

export async function measureStorage (opts: { tasks: number, eventsPerTask: number, owners: number, redisUrl?: string | undefined }): Promise<StorageFigures[]> {
  const out: StorageFigures[] = []
  const k = opts.eventsPerTask
  const dir = mkdtempSync(join(tmpdir(), 'bff-storage-'))
  try {
    const sizes: number[] = []
    for (const extra of [0, k]) {
      const path = join(dir, `s-${extra}.sqlite`)
      const store = createSqliteStore(path)
      await seed(store, opts.tasks, extra, opts.owners)
      await store.close()
      sizes.push(sqliteBytes(path))
    }
    out.push({ backend: 'SQLite', tasks: opts.tasks, eventsPerTask: k, ...perItem(opts.tasks, k, sizes[0]!, sizes[1]!) })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  if (opts.redisUrl) {
    const redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: 1 })
    try {
      const sizes: number[] = []
      for (const extra of [0, k]) {
        const prefix = `bench-storage-${randomBytes(4).toString('hex')}`
        const store: TaskStore & EventLog = createRedisStore(redis, { prefix, maxEventsPerOwner: 1_000_000, maxEventsPerTask: 1_000 })
        try {
          await seed(store, opts.tasks, extra, opts.owners)
          sizes.push(await redisBytes(redis, `{${prefix}}`))
        } finally {
          await deleteKeys(redis, `{${prefix}}`)
        }
      }
      out.push({ backend: 'Redis', tasks: opts.tasks, eventsPerTask: k, ...perItem(opts.tasks, k, sizes[0]!, sizes[1]!) })
    } finally {
      redis.disconnect()
    }
  }
  return out
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const tasks = Number(process.argv[2] ?? 20_000)
  const figures = await measureStorage({ tasks, eventsPerTask: 2, owners: 100, redisUrl: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379' })
  for (const f of figures) process.stdout.write(`${f.backend}: ${f.bytesPerTask.toFixed(0)} B per task, ${f.bytesPerEvent.toFixed(0)} B per event (${f.tasks} tasks, +${f.eventsPerTask} events each)\n`)
}
