import { script } from '../script.js';

/*
 * One limiter key K is four Redis keys, all under the hash tag {K} (so a script touches one slot):
 *   holders  ZSET  ticket -> lease expiry (epoch ms, Redis clock)
 *   queue    ZSET  ticket -> arrival number (FIFO order)
 *   alive    ZSET  waiting ticket -> expiry (renewed by its process's heartbeat)
 *   seq      STRING the last arrival number
 * A ticket is "<max>|<instance>|<n>": the waiter's own max travels with it, as in the memory limiter.
 * Every script starts by dropping expired leases and tickets (a dead process's slot and place in
 * line come back) and ends by handing free slots to the head of the queue, publishing the granted
 * tickets on the key's channel as "<granted tickets, space-separated>><head>", where <head> is the
 * ticket first in line after them (empty when nobody waits): a process whose own ticket is next
 * in line then hands its next freed slot over itself (TRANSFER), without waiting for Redis.
 * KEYS: holders, queue, alive, seq. ARGV[1]: channel, ARGV[2]: lease (ms), then per script.
 */
const PRELUDE = `
local holders, queue, alive, seq = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local channel, leaseMs = ARGV[1], tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)

local function purge()
  redis.call('ZREMRANGEBYSCORE', holders, '-inf', now)
  local dead = redis.call('ZRANGEBYSCORE', alive, '-inf', now)
  for i = 1, #dead do redis.call('ZREM', queue, dead[i]) end
  if #dead > 0 then redis.call('ZREMRANGEBYSCORE', alive, '-inf', now) end
end

local function enqueue(ticket)
  redis.call('ZADD', queue, redis.call('INCR', seq), ticket)
  redis.call('ZADD', alive, now + leaseMs, ticket)
end

local function promote()
  local granted = {}
  while true do
    local head = redis.call('ZRANGE', queue, 0, 0)[1]
    if not head then break end
    if redis.call('ZCARD', holders) >= tonumber(string.match(head, '^[^|]+')) then break end
    local expiry = redis.call('ZSCORE', alive, head) or (now + leaseMs)
    redis.call('ZREM', queue, head)
    redis.call('ZREM', alive, head)
    redis.call('ZADD', holders, expiry, head)
    granted[#granted + 1] = head
  end
  if #granted > 0 then
    redis.call('PUBLISH', channel, table.concat(granted, ' ') .. '>' .. (redis.call('ZRANGE', queue, 0, 0)[1] or ''))
  end
end

local function head()
  return redis.call('ZRANGE', queue, 0, 0)[1] or ''
end

local function tidy()
  local last = redis.call('ZRANGE', holders, -1, -1, 'WITHSCORES')[2]
  if last then redis.call('PEXPIREAT', holders, last) end
  last = redis.call('ZRANGE', alive, -1, -1, 'WITHSCORES')[2]
  if last then
    redis.call('PEXPIREAT', queue, last)
    redis.call('PEXPIREAT', alive, last)
    redis.call('PEXPIREAT', seq, last)
  else
    redis.call('DEL', seq)
  end
end

local function nextExpiry()
  local first = redis.call('ZRANGE', holders, 0, 0, 'WITHSCORES')[2]
  if first then return tonumber(first) - now end
  return -1
end
`;

/**
 * ARGV[3] ticket, ARGV[4] max, ARGV[5] maxQueue.
 * Returns {1, next, head} when granted at once, {0, next, head} when queued, {-1, queued} when the
 * queue is full; `next` is the time (ms) until the earliest lease runs out, or -1; `head` the
 * ticket first in line (or '').
 */
export const ACQUIRE = script(`${PRELUDE}
local ticket, max, maxQueue = ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
purge()
promote()
local waiting = redis.call('ZCARD', queue)
local state = 0
if waiting == 0 and redis.call('ZCARD', holders) < max then
  redis.call('ZADD', holders, now + leaseMs, ticket)
  state = 1
elseif waiting >= maxQueue then
  tidy()
  return {-1, waiting}
else
  enqueue(ticket)
end
tidy()
return {state, nextExpiry(), head()}
`);

/**
 * ARGV[3] ticket. Gives up a slot or a place in line (either, or none: release is idempotent).
 * Returns the ticket first in line (or '').
 */
export const LEAVE = script(`${PRELUDE}
local ticket = ARGV[3]
redis.call('ZREM', holders, ticket)
redis.call('ZREM', queue, ticket)
redis.call('ZREM', alive, ticket)
purge()
promote()
tidy()
return head()
`);

/**
 * ARGV[3] the ticket whose slot is handed over, ARGV[4] the ticket it goes to: a waiter of the
 * same process that was first in line when the process freed the slot and gave it to that
 * waiter at once. The slot changes hands, not number: the old ticket leaves, the new one holds
 * (whether it was still in line, or already granted by a release elsewhere), and whatever is
 * free goes on to the queue as in LEAVE. Returns {next, head}.
 */
export const TRANSFER = script(`${PRELUDE}
local from, to = ARGV[3], ARGV[4]
purge()
redis.call('ZREM', holders, from)
redis.call('ZREM', queue, to)
redis.call('ZREM', alive, to)
redis.call('ZADD', holders, now + leaseMs, to)
promote()
tidy()
return {nextExpiry(), head()}
`);

/**
 * ARGV[3] n, then n waiting tickets, then held tickets. Renews them all. A held ticket that is
 * missing (Redis lost its data, or the process stalled past its lease) is put back: its request
 * is still in flight and counts. A waiting ticket that is missing queues again at the back.
 * Returns {next, granted, head}: the waiting tickets that hold a slot now (a missed message, or granted just now).
 */
export const HEARTBEAT = script(`${PRELUDE}
local n = tonumber(ARGV[3])
purge()
for i = 4 + n, #ARGV do redis.call('ZADD', holders, now + leaseMs, ARGV[i]) end
for i = 4, 3 + n do
  local ticket = ARGV[i]
  if redis.call('ZSCORE', holders, ticket) then
    redis.call('ZADD', holders, now + leaseMs, ticket)
  elseif redis.call('ZSCORE', queue, ticket) then
    redis.call('ZADD', alive, now + leaseMs, ticket)
  else
    enqueue(ticket)
  end
end
promote()
local granted = {}
for i = 4, 3 + n do
  if redis.call('ZSCORE', holders, ARGV[i]) then granted[#granted + 1] = ARGV[i] end
end
tidy()
return {nextExpiry(), granted, head()}
`);

/** Returns {live leases, waiting tickets}. */
export const INSPECT = script(`${PRELUDE}
purge()
promote()
tidy()
return {redis.call('ZCARD', holders), redis.call('ZCARD', queue)}
`);
