import { TASK_STATUSES, type TaskEvent, type TaskRecord } from '../tasks/model.ts'
import type { StoredEvent } from './types.ts'

/**
 * Where every Redis key of the BFF lives (store, rate limits, leases, stream slots). Every key starts with the hash tag `{<prefix>}`, so all keys of
 * one deployment hash to one cluster slot and multi-key scripts stay legal on a cluster. Owners are
 * URI-encoded in key names so that an owner containing `:` cannot collide with another key.
 */
export interface RedisKeys {
  /** The global event sequence: event ids (and SSE ids) are its values. */
  seq: string
  /** Hash: json, version, status, owner, created (ms). */
  task: (id: string) => string
  /** For keys built inside scripts (ioredis' keyPrefix is not applied to arguments). */
  taskBase: string
  /** Sorted sets of an owner's tasks, score = createdAt ms: all, per status, per capability. */
  all: (owner: string) => string
  byStatus: (owner: string) => string[]
  byCapability: (owner: string, capability: string) => string
  /** Sorted set of an owner's tasks with one metadata key set to one value, score = createdAt ms. */
  byMetadata: (owner: string, key: string, value: string) => string
  /** For keys built inside scripts: an owner's task sets, and upstream bindings. */
  tasksBase: string
  upstreamBase: string
  /** Sorted set of finished tasks still kept, score = finish time (ms); members name the task's index keys. */
  finished: string
  /** Sorted set of tasks to reconcile, score = nextCheckAt. */
  due: string
  /** Streams with entry ids `0-<seq>`: one per owner, one per task. */
  ownerEvents: (owner: string) => string
  taskEvents: (id: string) => string
  taskEventsBase: string
  /** Hash (task, body, expires) with a TTL. */
  idempotency: (owner: string, key: string) => string
  /** String: the id of our task an upstream task id is bound to. */
  upstream: (upstreamTaskId: string) => string
  /** Sorted set of an owner's open event streams, score = lease expiry (ms). */
  streams: (owner: string) => string
  /** Namespace of the rate-limit counters. */
  rateLimit: string
  /** Reconciler and other leases. */
  lease: (name: string) => string
  /** Hash: a provider's poll token bucket, shared by every instance. */
  pollBudget: (provider: string) => string
  /** Webhook outbox: sorted set of message ids, score = next attempt (or lease expiry) in ms. */
  outboxDue: string
  /** Sorted set of a task's message ids, score = event id. */
  outboxTask: (taskId: string) => string
  outboxTaskBase: string
  /** Hash per message; built inside scripts from the id. */
  outboxMessageBase: string
  /** Hash of an unfinished upload (info JSON, offset) and the list of its stored parts ("<key> <size>"). */
  upload: (id: string) => string
  uploadParts: (id: string) => string
  /** Sorted set of unfinished upload ids, score = creation time (ms): what the sweep walks. */
  uploads: string
  /** Set of an owner's unfinished upload ids: their quota. */
  ownerUploads: (owner: string) => string
  /** String: the instance token holding an upload's write lock (or an owner's create turn). */
  uploadLock: (name: string) => string
  /** Pub/sub channel on which a request asks the holder of an upload's lock to let go. */
  uploadLockRelease: string
}

export function hashTag (prefix: string): string {
  const name = prefix.replace(/:+$/, '')
  // A brace would end or start the hash tag early and scatter keys across slots.
  if (!name || /[{}]/.test(name)) throw new Error(`Invalid Redis key prefix ${JSON.stringify(prefix)}`)
  return `{${name}}`
}

export function redisKeys (prefix: string, keyPrefix = ''): RedisKeys {
  const tag = hashTag(prefix)
  const enc = encodeURIComponent
  const all = (owner: string): string => `${tag}:tasks:${enc(owner)}`
  return {
    seq: `${tag}:seq`,
    task: (id) => `${tag}:task:${id}`,
    taskBase: `${keyPrefix}${tag}:task:`,
    all,
    byStatus: (owner) => TASK_STATUSES.map((status) => `${all(owner)}:status:${status}`),
    byCapability: (owner, capability) => `${all(owner)}:cap:${enc(capability)}`,
    byMetadata: (owner, key, value) => `${all(owner)}:${metadataSuffix(key, value)}`,
    tasksBase: `${keyPrefix}${tag}:tasks:`,
    upstreamBase: `${keyPrefix}${tag}:upstream:`,
    finished: `${tag}:finished`,
    due: `${tag}:due`,
    ownerEvents: (owner) => `${tag}:events:owner:${enc(owner)}`,
    taskEvents: (id) => `${tag}:events:task:${id}`,
    taskEventsBase: `${keyPrefix}${tag}:events:task:`,
    idempotency: (owner, key) => `${tag}:idem:${enc(owner)}:${enc(key)}`,
    upstream: (upstreamTaskId) => `${tag}:upstream:${enc(upstreamTaskId)}`,
    streams: (owner) => `${tag}:streams:${enc(owner)}`,
    rateLimit: `${tag}:rate:`,
    lease: (name) => `${tag}:lease:${name}`,
    pollBudget: (provider) => `${tag}:poll-budget:${enc(provider)}`,
    outboxDue: `${tag}:outbox:due`,
    outboxTask: (taskId) => `${tag}:outbox:task:${taskId}`,
    outboxTaskBase: `${keyPrefix}${tag}:outbox:task:`,
    outboxMessageBase: `${keyPrefix}${tag}:outbox:msg:`,
    upload: (id) => `${tag}:upload:${id}`,
    uploadParts: (id) => `${tag}:upload:${id}:parts`,
    uploads: `${tag}:uploads`,
    ownerUploads: (owner) => `${tag}:uploads:owner:${enc(owner)}`,
    uploadLock: (name) => `${tag}:upload-lock:${enc(name)}`,
    uploadLockRelease: `${tag}:upload-lock-release`
  }
}

/** What follows an owner's task set in a metadata set's name; the retention sweep builds the name from it. */
export const metadataSuffix = (key: string, value: string): string => `meta:${encodeURIComponent(key)}:${encodeURIComponent(value)}`

export type StreamEntry = [id: string, fields: string[]]

/** `0-<seq>` back to the event id. */
export const seqOf = (streamId: string): number => Number(streamId.slice(streamId.indexOf('-') + 1))

/** A stream entry as the log wrote it (owner, type, data), the task still JSON text. */
export function toStored ([id, fields]: StreamEntry): StoredEvent & { owner: string } {
  const f = new Map<string, string>()
  for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!)
  return { id: seqOf(id), owner: f.get('owner') ?? '', type: f.get('type') as TaskEvent['type'], data: f.get('data') ?? 'null' }
}

export function parseStored ({ data, ...rest }: StoredEvent & { owner: string }): TaskEvent {
  return { ...rest, task: JSON.parse(data) as TaskEvent['task'] }
}

export const toEvent = (entry: StreamEntry): TaskEvent => parseStored(toStored(entry))

// The same opaque cursor as the SQLite store: [createdAt, id] of the last item, base64url.
export function encodeCursor (t: TaskRecord): string {
  return Buffer.from(JSON.stringify([t.createdAt, t.id])).toString('base64url')
}

export function decodeCursor (cursor: string | undefined): { score: number, id: string } | undefined {
  if (!cursor) return undefined
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'string') {
      const score = Date.parse(value[0])
      if (Number.isFinite(score)) return { score, id: value[1] }
    }
  } catch {}
  return undefined
}
