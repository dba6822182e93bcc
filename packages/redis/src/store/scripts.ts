import { DELIVERY_STATUSES, isFinalStatus, statusRank } from '@parley/core';
import { script } from '../script.js';

/*
 * Tracked messages live under one hash tag, {msg}, so every script touches one slot:
 *   <p>{msg}:r:<id>         STRING  the record as JSON, with PX (its retention)
 *   <p>{msg}:due:<scope>    ZSET    id -> nextPollAt (epoch ms, the trackers' clock)
 *   <p>{msg}:lease:<scope>  ZSET    id -> lease expiry (epoch ms, Redis clock) of a claimed record
 * A record is in at most one of due and lease. An id whose record expired is dropped from its
 * schedule when it reaches the top. A lease that runs out (its poller died) puts the record back
 * in due, at its old (past) nextPollAt, so the next claim takes it.
 */
const HELPERS = `
local clock = redis.call('TIME')
local serverNow = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)

local function extend(key, ms)
  local left = redis.call('PTTL', key)
  if left == -1 or (left >= 0 and left < ms) then redis.call('PEXPIRE', key, ms) end
end

local function reclaim(due, lease, recordPrefix)
  local back = redis.call('ZRANGEBYSCORE', lease, '-inf', serverNow)
  for i = 1, #back do
    local json = redis.call('GET', recordPrefix .. back[i])
    if json then
      local at = cjson.decode(json).nextPollAt
      if type(at) == 'number' then
        redis.call('ZADD', due, at, back[i])
        extend(due, redis.call('PTTL', recordPrefix .. back[i]))
      end
    end
  end
  if #back > 0 then redis.call('ZREMRANGEBYSCORE', lease, '-inf', serverNow) end
end
`;

/** KEYS record, due, lease. ARGV json, ttl (ms), id, nextPollAt or '', the base of schedule keys (`<p>{msg}:`), scope. */
export const PUT = script(`${HELPERS}
local id, ttl = ARGV[3], tonumber(ARGV[2])
local old = redis.call('GET', KEYS[1])
if old then
  local scope = cjson.decode(old).scope
  if type(scope) == 'string' and scope ~= ARGV[6] then
    redis.call('ZREM', ARGV[5] .. 'due:' .. scope, id)
    redis.call('ZREM', ARGV[5] .. 'lease:' .. scope, id)
  end
end
redis.call('ZREM', KEYS[3], id)
if ttl <= 0 then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], id)
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
if ARGV[4] == '' then
  redis.call('ZREM', KEYS[2], id)
else
  redis.call('ZADD', KEYS[2], ARGV[4], id)
  extend(KEYS[2], ttl)
end
return 1
`);

/** KEYS record. ARGV id, the base of the schedule keys (`<p>{msg}:`). */
export const DELETE = script(`
local json = redis.call('GET', KEYS[1])
redis.call('DEL', KEYS[1])
if json then
  local scope = cjson.decode(json).scope
  if type(scope) == 'string' then
    redis.call('ZREM', ARGV[2] .. 'due:' .. scope, ARGV[1])
    redis.call('ZREM', ARGV[2] .. 'lease:' .. scope, ARGV[1])
  end
end
return 1
`);

/**
 * KEYS due, lease. ARGV now, limit, lease (ms), record key prefix.
 * Pops up to `limit` ids with nextPollAt <= now, earliest first, leases them and returns their JSON.
 */
export const CLAIM = script(`${HELPERS}
local due, lease, recordPrefix = KEYS[1], KEYS[2], ARGV[4]
local now, limit, leaseMs = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
reclaim(due, lease, recordPrefix)
local out = {}
while #out < limit do
  local ids = redis.call('ZRANGEBYSCORE', due, '-inf', now, 'LIMIT', 0, limit - #out)
  if #ids == 0 then break end
  for i = 1, #ids do
    local id = ids[i]
    redis.call('ZREM', due, id)
    local json = redis.call('GET', recordPrefix .. id)
    if json then
      redis.call('ZADD', lease, serverNow + leaseMs, id)
      extend(lease, redis.call('PTTL', recordPrefix .. id))
      out[#out + 1] = json
    end
  end
end
return out
`);

/**
 * KEYS due, lease. ARGV record key prefix.
 * Returns {earliest nextPollAt of a live unleased record or nil, ms until the earliest lease runs out or nil}.
 */
export const NEXT_DUE = script(`${HELPERS}
local due, lease, recordPrefix = KEYS[1], KEYS[2], ARGV[1]
reclaim(due, lease, recordPrefix)
local first = false
while true do
  local top = redis.call('ZRANGE', due, 0, 0, 'WITHSCORES')
  if not top[1] then break end
  if redis.call('EXISTS', recordPrefix .. top[1]) == 1 then
    first = top[2]
    break
  end
  redis.call('ZREM', due, top[1])
end
local leased = redis.call('ZRANGE', lease, 0, 0, 'WITHSCORES')[2]
local leaseLeft = false
if leased then leaseLeft = tonumber(leased) - serverNow end
return {first, leaseLeft}
`);

/**
 * KEYS counter. ARGV ttlMs. The expiry is set when the counter starts (a fixed window); a window
 * of no time stores nothing and counts 1.
 */
export const INCREMENT = script(`
local ttl = tonumber(ARGV[1])
if ttl <= 0 and redis.call('EXISTS', KEYS[1]) == 0 then return 1 end
local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('PTTL', KEYS[1]) == -1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
`);

/** Core's unified status order, as Lua tables: the scripts below compare exactly as core does. */
const STATUS_TABLES = `
local RANK = {${DELIVERY_STATUSES.map((s) => `['${s}'] = ${statusRank(s)}`).join(', ')}}
local FINAL = {${DELIVERY_STATUSES.filter(isFinalStatus)
  .map((s) => `['${s}'] = true`)
  .join(', ')}}
`;

/**
 * KEYS record. ARGV id, status, at (epoch ms), the record to create as JSON or '', ttl (ms), the
 * base of schedule keys (\`<p>{msg}:\`).
 * The one atomic status step (core's \`Store.advanceStatus\`): creates the record if asked, fills in
 * a missing provider id and first poll, applies the status only if it moves forward, and takes a
 * final message off its schedule and lease. Returns {created, advanced, status or false, at}.
 */
export const ADVANCE = script(`${HELPERS}${STATUS_TABLES}
local id, nextStatus, at, ttl, base = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[5]), ARGV[6]
if RANK[nextStatus] == nil then return redis.error_reply('unknown status ' .. nextStatus) end
local json = redis.call('GET', KEYS[1])
local r
local created, changed = 0, false
if not json then
  if ARGV[4] == '' then return {0, 0, false, ARGV[3]} end
  r = cjson.decode(ARGV[4])
  r.status = 'accepted'
  r.statusAt = r.acceptedAt
  created, changed = 1, true
  if type(r.nextPollAt) == 'number' then
    redis.call('ZADD', base .. 'due:' .. r.scope, r.nextPollAt, id)
    extend(base .. 'due:' .. r.scope, ttl)
  end
else
  r = cjson.decode(json)
  if ARGV[4] ~= '' then
    local c = cjson.decode(ARGV[4])
    if r.providerMessageId == nil and type(c.providerMessageId) == 'string' then
      r.providerMessageId = c.providerMessageId
      changed = true
    end
    if not FINAL[r.status] and r.nextPollAt == nil and type(c.nextPollAt) == 'number' then
      r.nextPollAt = c.nextPollAt
      r.intervalMs = c.intervalMs
      changed = true
      redis.call('ZADD', base .. 'due:' .. r.scope, r.nextPollAt, id)
      extend(base .. 'due:' .. r.scope, redis.call('PTTL', KEYS[1]))
    end
  end
end
local advanced = created
local effective = r.statusAt or r.acceptedAt
if nextStatus ~= 'accepted' and not FINAL[r.status] and RANK[nextStatus] > RANK[r.status] then
  effective = math.max(at, effective + 1)
  r.status = nextStatus
  r.statusAt = effective
  advanced, changed = 1, true
  if FINAL[nextStatus] then
    r.nextPollAt, r.intervalMs, r.failures = nil, nil, nil
    redis.call('ZREM', base .. 'due:' .. r.scope, id)
    redis.call('ZREM', base .. 'lease:' .. r.scope, id)
  end
end
if created == 1 then
  redis.call('SET', KEYS[1], cjson.encode(r), 'PX', math.max(1, ttl))
elseif changed then
  redis.call('SET', KEYS[1], cjson.encode(r), 'KEEPTTL')
end
return {created, advanced, r.status, string.format('%d', effective)}
`);

/**
 * KEYS record. ARGV id, nextPollAt or '' (no more polls), intervalMs, failures, the base of
 * schedule keys. Ends any lease on the message and sets (or clears) its schedule, never its
 * status; a final or missing message is not scheduled. Returns 1 when it is on the schedule now.
 */
export const SCHEDULE = script(`${HELPERS}${STATUS_TABLES}
local id, base = ARGV[1], ARGV[5]
local json = redis.call('GET', KEYS[1])
if not json then return 0 end
local r = cjson.decode(json)
local due, lease = base .. 'due:' .. r.scope, base .. 'lease:' .. r.scope
redis.call('ZREM', lease, id)
if FINAL[r.status] or ARGV[2] == '' then
  redis.call('ZREM', due, id)
  if r.nextPollAt ~= nil or r.intervalMs ~= nil or r.failures ~= nil then
    r.nextPollAt, r.intervalMs, r.failures = nil, nil, nil
    redis.call('SET', KEYS[1], cjson.encode(r), 'KEEPTTL')
  end
  return 0
end
r.nextPollAt, r.intervalMs, r.failures = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('SET', KEYS[1], cjson.encode(r), 'KEEPTTL')
redis.call('ZADD', due, r.nextPollAt, id)
extend(due, redis.call('PTTL', KEYS[1]))
return 1
`);
