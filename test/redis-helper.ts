import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'

export const REDIS_URL = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379'

/** Whether a Redis answers at `url`. In CI a missing Redis is a failure, not a reason to skip. */
export async function redisAvailable (url = REDIS_URL): Promise<boolean> {
  const conn = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000, retryStrategy: () => null })
  conn.on('error', () => {})
  try {
    await conn.connect()
    return (await conn.ping()) === 'PONG'
  } catch {
    if (process.env.CI) throw new Error(`CI needs a Redis at ${url} for the distributed-mode tests (.ci/run starts one)`)
    process.stderr.write(`\n*** Redis is not reachable at ${url}: distributed-mode tests are SKIPPED on this machine ***\n\n`)
    return false
  } finally {
    conn.disconnect()
  }
}

export const testPrefix = (): string => `bfftest-${randomBytes(4).toString('hex')}`

/** Deletes every key of a test prefix. */
export async function dropPrefix (prefix: string, url = REDIS_URL): Promise<void> {
  const conn = new Redis(url, { maxRetriesPerRequest: 1 })
  try {
    let cursor = '0'
    do {
      const [next, keys] = await conn.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', 500)
      if (keys.length) await conn.unlink(...keys)
      cursor = next
    } while (cursor !== '0')
  } finally {
    conn.disconnect()
  }
}

export const hasRedisServer = (): boolean => spawnSync('redis-server', ['--version']).status === 0

/** A private, durable (append-only) Redis on its own port, for tests that stop and restart it. */
export async function startRedisServer (port: number, dir: string): Promise<{ stop: () => Promise<void> }> {
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir], { stdio: 'ignore' })
  const url = `redis://127.0.0.1:${port}`
  for (let i = 0; i < 50; i++) {
    const conn = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    conn.on('error', () => {})
    try {
      await conn.connect()
      if ((await conn.ping()) === 'PONG') { conn.disconnect(); break }
    } catch {}
    conn.disconnect()
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return {
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve()
      child.once('exit', () => resolve())
      child.kill('SIGKILL')
    })
  }
}
