import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { buildSimulator } from '../../../src/providers/tomoviee/simulator/app.ts'
import type { Task } from '../../../src/tasks/model.ts'
import { APP_KEY, APP_SECRET, bearer, eventually, freePort, tempDbPath } from '../../helper.ts'
import { crashEnv, spawnBff, type BffProcess } from '../../process.ts'

let sim: FastifyInstance | undefined
let bff: BffProcess | undefined
let db: ReturnType<typeof tempDbPath> | undefined

afterEach(async () => {
  if (bff && bff.child.exitCode === null) { bff.child.kill('SIGKILL'); await bff.exited }
  await sim?.close()
  db?.cleanup()
})

const read = async (url: string, id: string) => await (await fetch(`${url}/v1/tasks/${id}`, { headers: bearer() })).json() as Task

describe('EdrawMax when the instance making the synchronous call dies', () => {
  it('does not leave the task queued: after its send window the restarted BFF sends it again and it succeeds', async () => {
    sim = await buildSimulator({ appKey: APP_KEY, appSecret: APP_SECRET })
    await sim.listen({ host: '127.0.0.1', port: 0 })
    db = tempDbPath()
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    // No EDRAWMAX_BASE_URL: the server runs EdrawMax's simulator in its own process, so it dies too.
    const env = {
      ...crashEnv({ port, databasePath: db.path, tomoviee: `http://127.0.0.1:${(sim.server.address() as AddressInfo).port}` }),
      // A short send window (about 2 s) and a quick reconciler, so the resend shows within the test.
      // The window follows the longest timeout of every provider that is not synchronous: with
      // their 30 s defaults the resend came about 40 s after the restart, past the wait on a busy machine.
      GATEWAY_TIMEOUT_MS: '1000',
      TENCENT_TIMEOUT_MS: '1000',
      MEDIAIO_TIMEOUT_MS: '1000',
      CREATE_RETRIES: '0',
      RECONCILE_INTERVAL_MS: '100',
      // The reconciler looks at a task once it is overdue: after 1.2 s here instead of a minute.
      RECONCILE_OVERDUE_FACTOR: '0.02'
    }
    bff = await spawnBff(env, url)
    const res = await fetch(`${url}/v1/tasks/edrawmax-flowchart`, {
      method: 'POST',
      headers: { ...bearer(), 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'Order received, then packed, then shipped #delay=3000', lang: 'en' })
    })
    expect(res.status).toBe(202)
    const { id } = await res.json() as Task
    // The call is under way in the runner when the process is killed.
    await eventually(() => read(url, id), (t) => t.status === 'processing', 20_000)
    bff.child.kill('SIGKILL')
    await bff.exited

    bff = await spawnBff(env, url)
    const done = await eventually(() => read(url, id), (t) => ['succeeded', 'failed', 'timed_out', 'canceled'].includes(t.status), 60_000)
    expect(done.status).toBe('succeeded')
    expect(done.outputs.map((o) => o.type).sort()).toEqual(['image', 'source', 'vector'])
    expect(bff.output()).toMatch(/resending it once/)
  }, 120_000)
})
