/**
 * The floor of scenario 2: what any Fastify server pays for the callback's durable work, with none
 * of the BFF's features. It seeds `FLOOR_TASKS` tasks into the BFF's own SQLite store at start (the
 * `targets` call hands their callback paths to the load generator); a bare Fastify instance (no
 * plugin, hook, logger, schema or security header) parses each callback's JSON, reads the task
 * inside the write batch (the store's `getForWrite`, as the BFF does), compares the URL token in
 * constant time, writes the update and its event through the store's group commit, and acks.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import { createSqliteStore } from '../../src/store/sqlite.ts'
import { newCallbackToken, tokenMatches } from '../../src/tasks/callback-token.ts'
import type { TaskRecord } from '../../src/tasks/model.ts'
import { newTaskId } from '../../src/tasks/task-id.ts'
import { startChild } from './child.ts'

const port = Number(process.env.PORT ?? 0)
const store = createSqliteStore(join(mkdtempSync(join(tmpdir(), 'bff-floor-')), 'floor.sqlite'))

async function seed (count: number): Promise<{ path: string, upstreamTaskId: string, taskId: string }[]> {
  return await Promise.all(Array.from({ length: count }, async (_, i) => {
    const now = Date.now()
    const at = new Date(now).toISOString()
    const { token, hash } = newCallbackToken()
    const record: TaskRecord = {
      id: newTaskId(now), owner: 'floor', capability: 'video-scoring', provider: 'tomoviee', status: 'queued', progress: 0,
      input: { videoUrl: 'https://example.com/clips/bench.mp4', prompt: 'Upbeat acoustic guitar' },
      outputs: [], error: null, upstreamTaskId: `floor-up-${i}`, callbackTokenHash: hash,
      createdAt: at, updatedAt: at, version: 1, nextCheckAt: now + 60_000, deadlineAt: now + 600_000, checkAttempts: 0
    }
    await store.create(record, { maxActive: 1e9, now })
    return { path: `/webhooks/tomoviee?task=${record.id}&token=${token}`, upstreamTaskId: record.upstreamTaskId!, taskId: record.id }
  }))
}

const targets = await seed(Number(process.env.FLOOR_TASKS ?? 4000))
const app = Fastify()
app.post('/webhooks/tomoviee', async (req, reply) => {
  const query = req.query as { task?: string, token?: string }
  const cur = query.task === undefined ? undefined : await (store.getForWrite?.(query.task) ?? store.get(query.task))
  if (!cur || !tokenMatches(query.token, cur.callbackTokenHash)) return await reply.code(401).send({ code: 'unauthorized' })
  const body = req.body as { status: number, progress?: number }
  const next: TaskRecord = { ...cur, status: 'processing', progress: body.progress ?? cur.progress, version: cur.version + 1, updatedAt: new Date().toISOString() }
  await store.update(next, true, cur)
  return { received: true, changed: true }
})

await app.listen({ host: '127.0.0.1', port })
startChild({
  info: { port },
  handlers: { targets: () => targets },
  onStop: async () => {
    await app.close()
    await store.close()
  }
})
