import type { Redis } from 'ioredis'
import { TASK_STATUSES, TERMINAL_STATUSES } from '../tasks/model.ts'
import { ENQUEUE_LUA } from './redis-outbox.ts'

/*
 * The Lua behind the Redis store. Each script runs atomically; checks come before the first write
 * because Redis does not roll a script back when it fails halfway. Keys a script derives from data
 * (a task's hash or stream) are built from a base argument; they carry the same hash tag, so they
 * live in the declared keys' slot.
 */

const STATUS_SLOTS = TASK_STATUSES.map((s, i) => `['${s}'] = ${i + 1}`).join(', ')
const ACTIVE_SLOTS = TASK_STATUSES.flatMap((s, i) => TERMINAL_STATUSES.includes(s) ? [] : [i + 1]).join(', ')

// KEYS[1..6] are always the owner's per-status sets, in TASK_STATUSES order.
const PRELUDE = `
local STATUS = { ${STATUS_SLOTS} }
local ACTIVE = { ${ACTIVE_SLOTS} }
local function append (ownerStream, taskStream, seqKey, owner, kind, data, ownerMax, taskMax)
  local seq = redis.call('INCR', seqKey)
  local id = string.format('0-%d', seq)
  redis.call('XADD', ownerStream, 'MAXLEN', '~', ownerMax, id, 'owner', owner, 'type', kind, 'data', data)
  redis.call('XADD', taskStream, 'MAXLEN', '~', taskMax, id, 'owner', owner, 'type', kind, 'data', data)
  return seq
end
${ENQUEUE_LUA}`
const S = TASK_STATUSES.length

/**
 * KEYS: statuses, task, all, capability, due, owner stream, task stream, seq, idempotency,
 *       outbox due, outbox task index, then one metadata set per key of the task.
 * ARGV: id, json, version, status, owner, createdMs, nextCheckAt|'', maxActive, type, data,
 *       ownerMax, taskMax, hasKey, bodyHash, expiresAt, now, ttlMs,
 *       outbox message base, now, webhook url|'', endpoint keys...
 */
const CREATE = `${PRELUDE}
local id, status, owner, created = ARGV[1], ARGV[4], ARGV[5], ARGV[6]
local idem = KEYS[${S + 8}]
if ARGV[13] == '1' then
  local prior = redis.call('HMGET', idem, 'task', 'body', 'expires')
  if prior[1] and tonumber(prior[3]) > tonumber(ARGV[16]) then
    return { 'duplicate', prior[1], prior[2] == ARGV[14] and 1 or 0 }
  end
end
local active = 0
for _, slot in ipairs(ACTIVE) do active = active + redis.call('ZCARD', KEYS[slot]) end
if active >= tonumber(ARGV[8]) then return { 'over-limit' } end
local slot = STATUS[status]
if not slot then return redis.error_reply('ERR unknown task status ' .. status) end
if redis.call('EXISTS', KEYS[${S + 1}]) == 1 then return redis.error_reply('ERR task ' .. id .. ' already exists') end
redis.call('HSET', KEYS[${S + 1}], 'json', ARGV[2], 'version', ARGV[3], 'status', status, 'owner', owner, 'created', created)
redis.call('ZADD', KEYS[${S + 2}], created, id)
redis.call('ZADD', KEYS[slot], created, id)
redis.call('ZADD', KEYS[${S + 3}], created, id)
if ARGV[7] ~= '' then redis.call('ZADD', KEYS[${S + 4}], ARGV[7], id) end
for i = ${S + 11}, #KEYS do redis.call('ZADD', KEYS[i], created, id) end
if ARGV[13] == '1' then
  redis.call('DEL', idem)
  -- An already expired key is not worth keeping: it could never match.
  if tonumber(ARGV[17]) > 0 then
    redis.call('HSET', idem, 'task', id, 'body', ARGV[14], 'expires', ARGV[15])
    redis.call('PEXPIRE', idem, ARGV[17])
  end
end
if ARGV[20] ~= '' then redis.call('HSET', KEYS[${S + 1}], 'webhook', ARGV[20]) end
local seq = append(KEYS[${S + 5}], KEYS[${S + 6}], KEYS[${S + 7}], owner, ARGV[9], ARGV[10], ARGV[11], ARGV[12])
enqueue(KEYS[${S + 9}], KEYS[${S + 10}], ARGV[18], ARGV[19], seq, id, owner, ARGV[9], ARGV[10], ARGV[20], 21)
return { 'created', seq }
`

/**
 * KEYS: statuses, task, due, owner stream, task stream, seq, upstream binding, finished, outbox due,
 *       outbox task index.
 * ARGV: id, json, version, status, owner, nextCheckAt|'', emit, type, data, ownerMax, taskMax, upstream id|'',
 *       finishedAt|'' (set when the task reaches a terminal state under retention), expireAt, finished member,
 *       outbox message base, now, endpoint keys...
 * Returns nil on a version conflict, -1 when the upstream id is bound to another task, 0 when
 * written without an event, else the event id.
 */
const UPDATE = `${PRELUDE}
local id = ARGV[1]
local cur = redis.call('HMGET', KEYS[${S + 1}], 'version', 'status', 'owner', 'created')
if not cur[1] or tonumber(cur[1]) ~= tonumber(ARGV[3]) - 1 then return false end
if cur[3] ~= ARGV[5] then return redis.error_reply('ERR the owner of task ' .. id .. ' cannot change') end
if ARGV[12] ~= '' then
  local bound = redis.call('GET', KEYS[${S + 6}])
  if bound and bound ~= id then return -1 end
  if not bound then redis.call('SET', KEYS[${S + 6}], id) end
end
local from, to = STATUS[cur[2]], STATUS[ARGV[4]]
if not to then return redis.error_reply('ERR unknown task status ' .. ARGV[4]) end
redis.call('HSET', KEYS[${S + 1}], 'json', ARGV[2], 'version', ARGV[3], 'status', ARGV[4])
if from ~= to then
  if from then redis.call('ZREM', KEYS[from], id) end
  redis.call('ZADD', KEYS[to], cur[4], id)
end
if ARGV[6] == '' then redis.call('ZREM', KEYS[${S + 2}], id) else redis.call('ZADD', KEYS[${S + 2}], ARGV[6], id) end
if ARGV[13] ~= '' then
  -- The keys go by themselves; the finished set tells the sweep which index entries to drop.
  redis.call('ZADD', KEYS[${S + 7}], ARGV[13], ARGV[15])
  redis.call('PEXPIREAT', KEYS[${S + 1}], ARGV[14])
  redis.call('PEXPIREAT', KEYS[${S + 4}], ARGV[14])
  if ARGV[12] ~= '' then redis.call('PEXPIREAT', KEYS[${S + 6}], ARGV[14]) end
end
if ARGV[7] ~= '1' then return 0 end
local seq = append(KEYS[${S + 3}], KEYS[${S + 4}], KEYS[${S + 5}], ARGV[5], ARGV[8], ARGV[9], ARGV[10], ARGV[11])
enqueue(KEYS[${S + 8}], KEYS[${S + 9}], ARGV[16], ARGV[17], seq, id, ARGV[5], ARGV[8], ARGV[9], redis.call('HGET', KEYS[${S + 1}], 'webhook'), 18)
return seq
`

/**
 * KEYS: the sets every item must be in (one or more); the smallest is walked, the others are checked.
 * ARGV: how many, max score ('+inf' without cursor), cursor id ('' without), task key base.
 * Newest first; equal scores by id descending, compared bytewise like SQLite's BINARY collation
 * (Lua's < on strings follows the server's locale).
 */
const LIST = `
local function less (a, b)
  for i = 1, math.min(#a, #b) do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end
local walk, others, size = KEYS[1], {}, redis.call('ZCARD', KEYS[1])
for i = 2, #KEYS do
  local n = redis.call('ZCARD', KEYS[i])
  if n < size then
    others[#others + 1] = walk
    walk, size = KEYS[i], n
  else
    others[#others + 1] = KEYS[i]
  end
end
local function inOthers (id)
  for _, key in ipairs(others) do if not redis.call('ZSCORE', key, id) then return false end end
  return true
end
local want, max, cid, base = tonumber(ARGV[1]), ARGV[2], ARGV[3], ARGV[4]
local out, offset, batch = {}, 0, 100
while #out < want do
  local rows = redis.call('ZRANGE', walk, max, '-inf', 'BYSCORE', 'REV', 'LIMIT', offset, batch, 'WITHSCORES')
  if #rows == 0 then break end
  for i = 1, #rows, 2 do
    local id = rows[i]
    local skip = cid ~= '' and tonumber(rows[i + 1]) == tonumber(max) and not less(id, cid)
    if not skip and inOthers(id) then
      local json = redis.call('HGET', base .. id, 'json')
      if json then out[#out + 1] = json end
      if #out >= want then break end
    end
  end
  offset = offset + batch
end
return out
`

/** KEYS: due. ARGV: now, limit, task key base. */
const DUE = `
local out = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], '-inf', ARGV[1], 'BYSCORE', 'LIMIT', 0, ARGV[2])) do
  local json = redis.call('HGET', ARGV[3] .. id, 'json')
  if json then out[#out + 1] = json end
end
return out
`

/** KEYS: statuses, seq. ARGV: task stream base. The newest entry of each unfinished task, ascending. */
const SNAPSHOT = `${PRELUDE}
local entries = {}
for _, slot in ipairs(ACTIVE) do
  for _, id in ipairs(redis.call('ZRANGE', KEYS[slot], 0, -1)) do
    local e = redis.call('XREVRANGE', ARGV[1] .. id, '+', '-', 'COUNT', 1)[1]
    if e then entries[#entries + 1] = e end
  end
end
local function seq (e) return tonumber(string.sub(e[1], 3)) end
table.sort(entries, function (a, b) return seq(a) < seq(b) end)
return { entries, redis.call('GET', KEYS[${S + 1}]) or '0' }
`

/**
 * KEYS: finished, due. ARGV: finished before (ms), limit, task base, tasks base, task stream base, upstream base.
 * Members are JSON [id, owner, capability, upstream id, metadata set suffixes?], URI-encoded as in key names. Deletes
 * what expiry has not yet removed and every index entry; returns how many tasks it covered.
 */
const DELETE_FINISHED = `${PRELUDE}
local NAMES = { ${TASK_STATUSES.map((s) => `'${s}'`).join(', ')} }
local members = redis.call('ZRANGE', KEYS[1], '-inf', '(' .. ARGV[1], 'BYSCORE', 'LIMIT', 0, ARGV[2])
for _, m in ipairs(members) do
  local f = cjson.decode(m)
  local id, all = f[1], ARGV[4] .. f[2]
  local slot = STATUS[redis.call('HGET', ARGV[3] .. id, 'status') or '']
  local unfinished = false
  for _, a in ipairs(ACTIVE) do if a == slot then unfinished = true end end
  -- Never an unfinished task, whatever the set says.
  if not unfinished then
    redis.call('ZREM', all, id)
    for _, name in ipairs(NAMES) do redis.call('ZREM', all .. ':status:' .. name, id) end
    redis.call('ZREM', all .. ':cap:' .. f[3], id)
    if type(f[5]) == 'table' then for _, m in ipairs(f[5]) do redis.call('ZREM', all .. ':' .. m, id) end end
    redis.call('ZREM', KEYS[2], id)
    redis.call('DEL', ARGV[3] .. id, ARGV[5] .. id)
    if f[4] ~= '' and redis.call('GET', ARGV[6] .. f[4]) == id then redis.call('DEL', ARGV[6] .. f[4]) end
  end
  redis.call('ZREM', KEYS[1], m)
end
return #members
`

/** KEYS: a stream. ARGV: start ('(0-<id>' or '-'), cap. How many entries follow, up to the cap. */
const COUNT_AFTER = `
return #redis.call('XRANGE', KEYS[1], ARGV[1], '+', 'COUNT', ARGV[2])
`

/** KEYS: a stream. Returns { length, entries ever added, first id or nil } (needs Redis 7). */
const STREAM_INFO = `
if redis.call('EXISTS', KEYS[1]) == 0 then return { 0, 0 } end
local info = redis.call('XINFO', 'STREAM', KEYS[1])
local len, added, first = 0, 0, false
for i = 1, #info, 2 do
  local k, v = info[i], info[i + 1]
  if k == 'length' then len = v elseif k == 'entries-added' then added = v elseif k == 'first-entry' and v then first = v[1] end
end
return { len, added, first }
`

type Arg = string | number
export type Script = (keys: string[], args: Arg[]) => Promise<unknown>

export interface StoreScripts {
  create: Script
  update: Script
  list: Script
  due: Script
  snapshot: Script
  streamInfo: Script
  deleteFinished: Script
  countAfter: Script
}

/** Registers a script on the connection (EVALSHA, falling back to EVAL once per connection). */
export function defineScript (redis: Redis, name: string, lua: string, readOnly = false): Script {
  const command = `bffStore${name}`
  redis.defineCommand(command, { lua, readOnly })
  // Without numberOfKeys, ioredis takes the key count as the first argument.
  const fn = (redis as unknown as Record<string, (...a: Arg[]) => Promise<unknown>>)[command]!
  return async (keys, args) => fn.call(redis, keys.length, ...keys, ...args)
}

export function defineStoreScripts (redis: Redis): StoreScripts {
  const define = (name: string, lua: string, readOnly = false): Script => defineScript(redis, name, lua, readOnly)
  return {
    create: define('Create', CREATE),
    update: define('Update', UPDATE),
    list: define('List', LIST, true),
    due: define('Due', DUE, true),
    snapshot: define('Snapshot', SNAPSHOT, true),
    streamInfo: define('StreamInfo', STREAM_INFO, true),
    deleteFinished: define('DeleteFinished', DELETE_FINISHED),
    countAfter: define('CountAfter', COUNT_AFTER, true)
  }
}
