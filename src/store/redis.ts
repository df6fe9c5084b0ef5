import type { Redis } from 'ioredis'
import type { TaskEvent, TaskRecord } from '../tasks/model.ts'
import { TASK_STATUSES, TERMINAL_STATUSES, toPublicTask } from '../tasks/model.ts'
import { decodeCursor, encodeCursor, metadataSuffix, redisKeys, parseStored, seqOf, toEvent, toStored, type StreamEntry } from './redis-keys.ts'
import { createRedisOutbox } from './redis-outbox.ts'
import { defineScript, defineStoreScripts } from './redis-scripts.ts'
import { UpstreamIdTakenError, type DeliveryStore, type EventLog, type OutboxRouting, type StoredEvent, type TaskStore } from './types.ts'

export interface RedisStoreOptions {
  /** Namespace of every key (`bff` or `bff:`); it becomes the hash tag `{bff}`. */
  prefix: string
  /** Approximate bounds of the replayable history (Streams MAXLEN ~). */
  maxEventsPerOwner: number
  maxEventsPerTask: number
  /** A finished task's hash and stream expire this long after it finished; 0 or absent keeps them. */
  retentionMs?: number | undefined
  /** Which webhook messages each event becomes (none without). */
  outbox?: OutboxRouting | undefined
  /** How long finished webhook messages are kept (default 7 days). */
  deliveryRetentionMs?: number | undefined
}

type Arg = string | number
type EventFilter = { owner: string, taskId?: string | undefined }

export type RedisStore = TaskStore & EventLog & DeliveryStore & {
  /** The oldest event id still kept for the filter, or null when there is none. */
  oldestEventId: (filter: EventFilter) => Promise<number | null>
  trimmedThrough: (filter: EventFilter) => Promise<number>
}

/**
 * The distributed store: tasks, indexes and the event log in one Redis (7 or later), shared by
 * every BFF instance. Writes are single Lua scripts, so they are as atomic as SQLite's
 * transactions. The caller owns the connection.
 */
/** A task as stored; one written before tasks named their provider was ToMoviee's, the only one then. */
function parseTask (json: string): TaskRecord {
  return { provider: 'tomoviee', ...JSON.parse(json) as Omit<TaskRecord, 'provider'> & { provider?: string } } as TaskRecord
}

export function createRedisStore (redis: Redis, opts: RedisStoreOptions): RedisStore {
  for (const bound of [opts.maxEventsPerOwner, opts.maxEventsPerTask]) {
    if (!Number.isInteger(bound) || bound < 1) throw new Error(`Event history bounds must be positive integers, got ${bound}`)
  }
  const k = redisKeys(opts.prefix, redis.options.keyPrefix)
  const scripts = defineStoreScripts(redis)
  const bounds = [opts.maxEventsPerOwner, opts.maxEventsPerTask]
  const streamOf = (filter: EventFilter): string =>
    filter.taskId === undefined ? k.ownerEvents(filter.owner) : k.taskEvents(filter.taskId)
  const parseTasks = (rows: unknown): TaskRecord[] => (rows as string[]).map(parseTask)
  const retentionMs = opts.retentionMs ?? 0
  const enc = encodeURIComponent
  // ARGV 13-15 of the update script: when the task finishes under retention, when it goes, and its index entries.
  const expiryOf = (task: TaskRecord): Arg[] => {
    if (retentionMs <= 0 || !TERMINAL_STATUSES.includes(task.status)) return ['', 0, '']
    const at = Date.parse(task.updatedAt)
    const finishedAt = Number.isFinite(at) ? at : Date.now()
    const meta = Object.entries(task.metadata ?? {}).map(([key, value]) => metadataSuffix(key, value))
    return [finishedAt, finishedAt + retentionMs, JSON.stringify([task.id, enc(task.owner), enc(task.capability), enc(task.upstreamTaskId ?? ''), meta])]
  }
  const eventOf = (task: TaskRecord, id: number): TaskEvent => ({ id, owner: task.owner, type: `task.${task.status}`, task: toPublicTask(task) })
  const routing = opts.outbox
  const endpointsFor = (task: TaskRecord): readonly string[] => routing?.endpoints(task.owner, `task.${task.status}`) ?? []
  // A task with its own webhook URL enqueues in the script without the caller knowing: tell the worker anyway.
  const enqueued = (endpoints: readonly string[], mayHaveHook: boolean): void => { if (endpoints.length > 0 || mayHaveHook) routing?.enqueued?.() }
  const outbox = createRedisOutbox(k, () => opts.deliveryRetentionMs ?? 7 * 86_400_000, (name, lua, readOnly) => defineScript(redis, name, lua, readOnly))

  async function storedAfter (filter: EventFilter, afterId: number, limit: number): Promise<(StoredEvent & { owner: string })[]> {
    if (limit <= 0) return []
    const start = afterId >= 1 ? `(0-${Math.floor(afterId)}` : '-'
    const entries = await redis.xrange(streamOf(filter), start, '+', 'COUNT', limit)
    // A task's stream holds one owner's events; another owner sees none of them.
    return entries.map(toStored).filter((e) => e.owner === filter.owner)
  }

  return {
    ...outbox,
    async create (task, { maxActive, idempotency: idem, now, webhookUrl }) {
      const created = Date.parse(task.createdAt)
      if (!Number.isFinite(created)) throw new Error(`Task ${task.id} has an invalid createdAt`)
      const pub = toPublicTask(task)
      const endpoints = endpointsFor(task)
      const reply = await scripts.create([
        ...k.byStatus(task.owner), k.task(task.id), k.all(task.owner), k.byCapability(task.owner, task.capability),
        k.due, k.ownerEvents(task.owner), k.taskEvents(task.id), k.seq, k.idempotency(task.owner, idem?.key ?? ''),
        k.outboxDue, k.outboxTask(task.id),
        ...Object.entries(task.metadata ?? {}).map(([key, value]) => k.byMetadata(task.owner, key, value))
      ], [
        task.id, JSON.stringify(task), task.version, task.status, task.owner, created, task.nextCheckAt ?? '', maxActive,
        `task.${task.status}`, JSON.stringify(pub), ...bounds,
        idem ? '1' : '0', idem?.bodyHash ?? '', idem?.expiresAt ?? 0, now, idem ? Math.ceil(idem.expiresAt - now) : 0,
        k.outboxMessageBase, Date.now(), routing ? webhookUrl ?? '' : '', ...(routing ? endpoints : [])
      ]) as [string, string | number, number?]
      if (reply[0] === 'duplicate') return { kind: 'duplicate', taskId: String(reply[1]), sameBody: reply[2] === 1 }
      if (reply[0] === 'over-limit') return { kind: 'over-limit' }
      enqueued(endpoints, webhookUrl !== undefined)
      return { kind: 'created', event: eventOf(task, Number(reply[1])) }
    },

    async get (id) {
      const json = await redis.hget(k.task(id), 'json')
      return json === null ? undefined : parseTask(json)
    },

    async list (query) {
      const keys: string[] = []
      if (query.status) {
        const byStatus = k.byStatus(query.owner)[TASK_STATUSES.indexOf(query.status)]
        if (!byStatus) return { items: [], nextCursor: null }
        keys.push(byStatus)
      }
      if (query.capability) keys.push(k.byCapability(query.owner, query.capability))
      if (query.metadata) keys.push(k.byMetadata(query.owner, query.metadata.key, query.metadata.value))
      if (keys.length === 0) keys.push(k.all(query.owner))
      const cursor = decodeCursor(query.cursor)
      const rows = parseTasks(await scripts.list(keys, [query.limit + 1, cursor?.score ?? '+inf', cursor?.id ?? '', k.taskBase]))
      const items = rows.slice(0, query.limit)
      const last = items.at(-1)
      return { items, nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null }
    },

    async update (next, emit) {
      const endpoints = emit ? endpointsFor(next) : []
      const reply = await scripts.update([
        ...k.byStatus(next.owner), k.task(next.id), k.due, k.ownerEvents(next.owner), k.taskEvents(next.id), k.seq,
        k.upstream(next.upstreamTaskId ?? ''), k.finished, k.outboxDue, k.outboxTask(next.id)
      ], [
        next.id, JSON.stringify(next), next.version, next.status, next.owner, next.nextCheckAt ?? '', emit ? '1' : '0',
        `task.${next.status}`, JSON.stringify(toPublicTask(next)), ...bounds, next.upstreamTaskId ?? '', ...expiryOf(next),
        k.outboxMessageBase, Date.now(), ...endpoints
      ]) as number | null
      if (reply === null) return null
      if (reply === -1) throw new UpstreamIdTakenError(next.id)
      if (emit) enqueued(endpoints, routing?.taskWebhooks === true)
      return emit ? eventOf(next, reply) : true
    },

    async due (now, limit) {
      return parseTasks(await scripts.due([k.due], [now, Math.max(0, limit), k.taskBase]))
    },

    // Keys expire by themselves (PX); nothing is left to purge.
    async purgeIdempotency () { return 0 },

    async deleteFinished (finishedBefore, limit) {
      return Number(await scripts.deleteFinished([k.finished, k.due], [finishedBefore, limit, k.taskBase, k.tasksBase, k.taskEventsBase, k.upstreamBase]))
    },

    async countAfter (filter, afterId, cap) {
      return Number(await scripts.countAfter([streamOf(filter)], [afterId >= 1 ? `(0-${Math.floor(afterId)}` : '-', Math.max(0, cap)]))
    },

    async ping () { await redis.ping() },

    // The connection belongs to the caller.
    async close () {},

    async after (filter, afterId, limit) {
      return (await storedAfter(filter, afterId, limit)).map(parseStored)
    },

    async afterStored (filter, afterId, limit) {
      return await storedAfter(filter, afterId, limit)
    },

    // INCR and both XADDs run in one script, so the counter never runs ahead of the streams.
    async lastId () { return Number(await redis.get(k.seq) ?? 0) },

    async latest (taskId) {
      const [entry] = await redis.xrevrange(k.taskEvents(taskId), '+', '-', 'COUNT', 1)
      return entry ? toEvent(entry) : undefined
    },

    async snapshot (owner) {
      const [entries, lastId] = await scripts.snapshot([...k.byStatus(owner), k.seq], [k.taskEventsBase]) as [StreamEntry[], string]
      return { events: entries.map(toEvent), lastId: Number(lastId) }
    },

    async oldestEventId (filter) {
      const [entry] = await redis.xrange(streamOf(filter), '-', '+', 'COUNT', 1)
      return entry ? seqOf(entry[0]) : null
    },

    // Trimming removes from the head, so everything trimmed is below the oldest entry kept. Ids
    // are global, so this may overstate by ids that never belonged to the stream: a client
    // between the two gets a needless reset, never a silent gap.
    async trimmedThrough (filter) {
      const [length, added, first] = await scripts.streamInfo([streamOf(filter)], []) as [number, number, string | null | undefined]
      if (added <= length || !first) return 0
      return seqOf(first) - 1
    }
  }
}
