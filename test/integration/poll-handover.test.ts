import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { redisKeys } from '../../src/store/redis-keys.ts'
import type { Task } from '../../src/tasks/model.ts'
import { ALICE, APP_KEY, APP_SECRET, bearer, eventually, freePort } from '../helper.ts'
import { spawnBff, type BffProcess } from '../process.ts'
import { API_KEY, busiestSecond, countingSimulator, FAST_POLLING } from '../providers/mediaio/harness.ts'
import { hasRedisServer, startRedisServer, testPrefix } from '../redis-helper.ts'

const REDIS_PORT = 6611
const RATE = 4
const BURST = 2
const TASKS = 16

/*
 * Issue #14: two BFF processes poll Media.io tasks from one Redis. One is SIGKILLed while it holds
 * reconcile leases (waiting for the shared budget, or mid-request); the other takes those tasks
 * over once the leases lapse, and the shared token bucket holds the rate across both.
 */
describe.skipIf(!hasRedisServer())('Media.io polling hand-over between instances (kill -9)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bff-poll-handover-'))
  const prefix = testPrefix()
  let redis: Awaited<ReturnType<typeof startRedisServer>>
  let reader: Redis
  let mediaio: Awaited<ReturnType<typeof countingSimulator>>
  const procs: BffProcess[] = []

  async function spawn (): Promise<{ url: string, proc: BffProcess }> {
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    const proc = await spawnBff({
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: url,
      TOMOVIEE_APP_KEY: APP_KEY,
      TOMOVIEE_APP_SECRET: APP_SECRET,
      // Short upstream timeouts keep the reconcile leases short (they outlast one create window).
      GATEWAY_TIMEOUT_MS: '1000',
      TENCENT_TIMEOUT_MS: '1000',
      MEDIAIO_TIMEOUT_MS: '1000',
      EDRAWMAX_TIMEOUT_MS: '1000',
      CREATE_RETRIES: '0',
      MEDIAIO_BASE_URL: mediaio.origin,
      MEDIAIO_API_KEY: API_KEY,
      MEDIAIO_POLL_RATE_PER_SEC: String(RATE),
      MEDIAIO_POLL_BURST: String(BURST),
      MEDIAIO_POLL_CONCURRENCY: '4',
      OUTPUT_CUSTODY: 'false',
      API_KEYS: `${ALICE.owner}:${ALICE.key}`,
      REDIS_URL: `redis://127.0.0.1:${REDIS_PORT}`,
      REDIS_PREFIX: prefix,
      MEDIA_DIR: join(dir, 'media'),
      MAX_ACTIVE_TASKS_PER_OWNER: '1000',
      RATE_LIMIT_MAX: '1000000',
      RATE_LIMIT_OWNER_MAX: '1000000',
      RATE_LIMIT_CREATE_MAX: '1000000',
      ...FAST_POLLING
    }, url, 90_000)
    procs.push(proc)
    return { url, proc }
  }

  beforeAll(async () => {
    redis = await startRedisServer(REDIS_PORT, dir)
    reader = new Redis(`redis://127.0.0.1:${REDIS_PORT}`, { maxRetriesPerRequest: 1 })
    mediaio = await countingSimulator(1_500)
  }, 60_000)
  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) { p.child.kill('SIGKILL'); await p.exited }
    reader?.disconnect()
    await mediaio?.sim.close()
    await redis?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('the survivor finishes every task of the killed instance, within one shared budget', async () => {
    const [a, b] = await Promise.all([spawn(), spawn()])
    const ids: string[] = []
    for (let i = 0; i < TASKS; i++) {
      const res = await fetch(`${a.url}/v1/tasks/mediaio-t2i-imagen-4`, {
        method: 'POST', headers: { ...bearer(), 'content-type': 'application/json' }, body: JSON.stringify({ prompt: `Lighthouse ${i}` })
      })
      expect(res.status).toBe(202)
      ids.push((await res.json() as Task).id)
    }
    // Mid-poll: polls have started and leases are held.
    const leasePattern = `${redisKeys(prefix).lease('reconcile:')}*`
    await eventually(async () => (await reader.keys(leasePattern)).length, (n) => n > 0 && mediaio.results.length >= 2, 30_000)
    a.proc.child.kill('SIGKILL')
    expect((await a.proc.exited).signal).toBe('SIGKILL')
    const killedAt = Date.now()
    const held = await reader.keys(leasePattern)
    const ttls = await Promise.all(held.map((k) => reader.pttl(k)))
    expect(held.length).toBeGreaterThan(0)
    const status = (id: string) => fetch(`${b.url}/v1/tasks/${id}`, { headers: bearer() }).then(async (r) => (await r.json() as Task).status)
    const statuses = await eventually(() => Promise.all(ids.map(status)), (s) => s.every((x) => x === 'succeeded'), 90_000)
    const afterKill = mediaio.results.filter((t) => t > killedAt).length
    process.stdout.write(`poll hand-over: ${TASKS} tasks, A killed -9 holding ${held.length} leases (longest ${Math.max(...ttls)} ms left), B finished all in ${((Date.now() - killedAt) / 1000).toFixed(1)} s; ${mediaio.results.length} polls (${afterKill} after the kill), busiest second ${busiestSecond(mediaio.results)} (bound ${RATE + BURST} across both)\n`)
    expect(statuses.every((s) => s === 'succeeded')).toBe(true)
    expect(afterKill).toBeGreaterThan(0)
    // One token bucket in Redis: the rate holds across both instances, not per instance.
    expect(busiestSecond(mediaio.results)).toBeLessThanOrEqual(RATE + BURST)
  }, 240_000)
})
