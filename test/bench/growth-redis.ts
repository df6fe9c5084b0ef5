/**
 * The Redis side of the growth benchmark (test/bench/growth.ts): a private redis-server without
 * persistence (seeding a million tasks with an fsync per write would take an hour), seeded through
 * the Redis store's own create script so every index is the one production writes.
 */
import { spawn } from 'node:child_process'
import { Redis } from 'ioredis'
import { freePort } from '../helper.ts'
import { createRedisStore, type RedisStore } from '../../src/store/redis.ts'
import type { TaskRecord } from '../../src/tasks/model.ts'

export interface PrivateRedis {
  store: RedisStore
  /** Bytes the server uses for its data (INFO memory used_memory). */
  usedMemory: () => Promise<number>
  stop: () => Promise<void>
}

/** A fresh redis-server on `port` (BENCH_GROWTH_REDIS_PORT, else a free one), gone with `stop`. */
export async function startPrivateRedis (port?: number): Promise<PrivateRedis> {
  const at = port ?? (Number(process.env.BENCH_GROWTH_REDIS_PORT) || await freePort())
  const child = spawn('redis-server', ['--port', String(at), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  // Commands wait in ioredis' queue while the server starts; the retry strategy gives up after ~10 s.
  const redis = new Redis(`redis://127.0.0.1:${at}`, { maxRetriesPerRequest: null, retryStrategy: (n) => n > 100 ? null : 100 })
  redis.on('error', () => {})
  try {
    await redis.ping()
  } catch (err) {
    child.kill('SIGKILL')
    throw err
  }
  // Every task's one event stays readable, as in SQLite (the bounds only cap the streams' length).
  const store = createRedisStore(redis, { prefix: 'growth', maxEventsPerOwner: 2_000_000, maxEventsPerTask: 10 })
  return {
    store,
    async usedMemory () { return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0) },
    async stop () {
      redis.disconnect()
      if (child.exitCode === null) child.kill('SIGKILL')
      await exited
    }
  }
}

/**
 * `count` tasks through the store's create, many in flight at once (one connection pipelines
 * them), in the same layout as the SQLite seed: `task(i)` builds the i-th record.
 */
export async function seedRedis (store: RedisStore, count: number, task: (i: number) => TaskRecord): Promise<void> {
  const inFlight = 2_000
  for (let i = 0; i < count; i += inFlight) {
    const batch = []
    for (let j = i; j < Math.min(count, i + inFlight); j++) {
      batch.push(store.create(task(j), { maxActive: Number.MAX_SAFE_INTEGER, now: Date.now() }))
    }
    for (const created of await Promise.all(batch)) if (created.kind !== 'created') throw new Error(`seed create: ${created.kind}`)
  }
}
