/**
 * The floor of scenario 1: what any Fastify server pays for the create's durable work, with none of
 * the BFF's features. A bare Fastify instance (no plugins, hooks, logger, validation or security
 * headers) parses the JSON, inserts the task and its first event through the BFF's own SQLite store
 * (group commit, the same schema and indexes), makes the same upstream call as raw-create.ts, binds
 * the upstream id with the store's update, and answers 202 with the task.
 * `FLOOR_WRITES=none` leaves both store writes out: Fastify and the upstream call alone.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import { createSqliteStore } from '../../src/store/sqlite.ts'
import { newCallbackToken } from '../../src/tasks/callback-token.ts'
import type { TaskRecord } from '../../src/tasks/model.ts'
import { newTaskId } from '../../src/tasks/task-id.ts'
import { startChild } from './child.ts'
import { closeUpstream, createUpstream, type VideoInput } from './upstream-create.ts'

const simUrl = process.env.SIM_URL!
const port = Number(process.env.PORT ?? 0)
const writes = process.env.FLOOR_WRITES !== 'none'
const store = writes ? createSqliteStore(join(mkdtempSync(join(tmpdir(), 'bff-floor-')), 'floor.sqlite')) : undefined

// The BFF's own time-ordered id and pooled token, so the rows and indexes match its writes.
function recordFor (id: string, input: Record<string, unknown>, now: number): TaskRecord {
  const at = new Date(now).toISOString()
  return {
    id, owner: 'floor', capability: 'video-scoring', provider: 'tomoviee', status: 'queued', progress: 0, input,
    outputs: [], error: null, upstreamTaskId: null, callbackTokenHash: newCallbackToken().hash,
    createdAt: at, updatedAt: at, version: 1, nextCheckAt: now + 60_000, deadlineAt: now + 600_000, checkAttempts: 0
  }
}

const app = Fastify()
app.post('/v1/tasks/video-scoring', async (req, reply) => {
  const input = req.body as VideoInput
  const now = Date.now()
  const record = recordFor(newTaskId(now), { ...input }, now)
  if (store) await store.create(record, { maxActive: 1e9, now })
  const up = await createUpstream(simUrl, port, record.id, input)
  const bound = { ...record, upstreamTaskId: up.upstreamTaskId, version: 2, updatedAt: new Date().toISOString() }
  if (store) await store.update(bound, false, record)
  return await reply.code(up.ok ? 202 : 502).send(bound)
})

await app.listen({ host: '127.0.0.1', port })
startChild({
  info: { port },
  onStop: async () => {
    await app.close()
    await closeUpstream()
    await store?.close()
  }
})
