import type { RedisKeys } from './redis-keys.ts'
import type { Script } from './redis-scripts.ts'
import type { DeliveryStore, OutboxMessage } from './types.ts'

/*
 * The webhook outbox in Redis. ENQUEUE is spliced into the create and update scripts, so messages
 * are written in the same atomic step as their event; the rest are scripts of their own. Message
 * hashes and a task's index are built from base arguments and carry the deployment's hash tag.
 */

/**
 * enqueue(due, task index, message base, now, seq, task id, owner, type, data, task webhook|'', first ARGV of the endpoint keys).
 * The message id matches the SQLite store's (msg_<task>_<event>_<endpoint>).
 */
export const ENQUEUE_LUA = `
local function enqueue (dueKey, indexKey, base, now, seq, taskId, owner, kind, data, hook, from)
  local function put (endpoint, url)
    local mid = 'msg_' .. taskId .. '_' .. seq .. '_' .. endpoint
    redis.call('HSET', base .. mid, 'id', mid, 'task', taskId, 'owner', owner, 'event', seq, 'endpoint', endpoint, 'url', url,
      'type', kind, 'data', data, 'created', now, 'state', 'pending', 'attempts', 0, 'next', now)
    redis.call('ZADD', dueKey, now, mid)
    redis.call('ZADD', indexKey, seq, mid)
  end
  for i = from, #ARGV do put(ARGV[i], '') end
  if hook and hook ~= '' then put('task', hook) end
end
`

/** KEYS: due. ARGV: now, limit, lease until, claim, message base. */
const CLAIM = `
local out = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], '-inf', ARGV[1], 'BYSCORE', 'LIMIT', 0, ARGV[2])) do
  local key = ARGV[5] .. id
  if redis.call('EXISTS', key) == 0 then
    redis.call('ZREM', KEYS[1], id)
  else
    redis.call('ZADD', KEYS[1], ARGV[3], id)
    redis.call('HSET', key, 'claim', ARGV[4], 'next', ARGV[3])
    out[#out + 1] = redis.call('HGETALL', key)
  end
end
return out
`

/**
 * KEYS: due. ARGV: message base, task index base, id, claim, state, at, status|'', error|'', next|'', retention ms.
 * Finished messages (and their task's index) expire after the retention.
 */
const RECORD = `
local key = ARGV[1] .. ARGV[3]
if redis.call('HGET', key, 'claim') ~= ARGV[4] then return 0 end
redis.call('HINCRBY', key, 'attempts', 1)
redis.call('HSET', key, 'state', ARGV[5], 'last', ARGV[6], 'status', ARGV[7], 'error', ARGV[8], 'next', ARGV[9], 'claim', '')
if ARGV[9] ~= '' then
  redis.call('ZADD', KEYS[1], ARGV[9], ARGV[3])
else
  redis.call('ZREM', KEYS[1], ARGV[3])
  redis.call('PEXPIRE', key, ARGV[10])
  redis.call('PEXPIRE', ARGV[2] .. redis.call('HGET', key, 'task'), ARGV[10])
end
return 1
`

/** KEYS: task index. ARGV: limit, message base. */
const LIST = `
local out = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)) do
  local fields = redis.call('HGETALL', ARGV[2] .. id)
  if #fields > 0 then out[#out + 1] = fields end
end
return out
`

/** KEYS: due, task index. ARGV: message base, id, task id, now. */
const REDELIVER = `
local key = ARGV[1] .. ARGV[2]
if redis.call('HGET', key, 'task') ~= ARGV[3] then return false end
redis.call('PERSIST', key)
redis.call('PERSIST', KEYS[2])
redis.call('HSET', key, 'state', 'pending', 'attempts', 0, 'next', ARGV[4], 'claim', '')
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[2])
return redis.call('HGETALL', key)
`

export function createRedisOutbox (k: RedisKeys, retentionMs: () => number, define: (name: string, lua: string, readOnly?: boolean) => Script): DeliveryStore {
  const claim = define('OutboxClaim', CLAIM)
  const record = define('OutboxRecord', RECORD)
  const list = define('OutboxList', LIST, true)
  const redeliver = define('OutboxRedeliver', REDELIVER)
  return {
    async claimDeliveries (now, limit, leaseUntil, claimId) {
      if (limit <= 0) return []
      const rows = await claim([k.outboxDue], [now, limit, leaseUntil, claimId, k.outboxMessageBase]) as string[][]
      return rows.map(fromHash)
    },
    async recordAttempt (id, claimId, o) {
      const reply = await record([k.outboxDue], [
        k.outboxMessageBase, k.outboxTaskBase, id, claimId, o.state, o.at, o.status ?? '', o.error ?? '', o.nextAttemptAt ?? '', retentionMs()
      ])
      return reply === 1
    },
    async deliveries (taskId, limit) {
      const rows = await list([k.outboxTask(taskId)], [Math.max(1, limit), k.outboxMessageBase]) as string[][]
      return rows.map(fromHash)
    },
    async redeliver (taskId, id, now) {
      const row = await redeliver([k.outboxDue, k.outboxTask(taskId)], [k.outboxMessageBase, id, taskId, now]) as string[] | null
      return row ? fromHash(row) : null
    },
    // Finished messages expire by themselves.
    async purgeDeliveries () { return 0 }
  }
}

const num = (v: string | undefined): number | null => v === undefined || v === '' ? null : Number(v)

function fromHash (fields: string[]): OutboxMessage {
  const f = new Map<string, string>()
  for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!)
  return {
    id: f.get('id') ?? '',
    taskId: f.get('task') ?? '',
    owner: f.get('owner') ?? '',
    eventId: Number(f.get('event')),
    endpoint: f.get('endpoint') ?? '',
    url: f.get('url') || null,
    type: f.get('type') as OutboxMessage['type'],
    data: f.get('data') ?? 'null',
    createdAt: Number(f.get('created')),
    state: f.get('state') as OutboxMessage['state'],
    attempts: Number(f.get('attempts') ?? 0),
    nextAttemptAt: f.get('state') === 'pending' ? num(f.get('next')) : null,
    lastAttemptAt: num(f.get('last')),
    lastStatus: num(f.get('status')),
    lastError: f.get('error') || null
  }
}
