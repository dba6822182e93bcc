import { RATE_TUNING as T } from '@parley/core/provider';
import { script } from '../script.js';

/*
 * The account-wide rate control of @parley/core (`rateTake`, `rateFeedback` and `learnedRate` in
 * packages/core/src/limiter/rate.ts), ported line by line to Lua, on one hash per account:
 *   <prefix>rate:{<key>}  HASH  the fields of core's `RateState` (absent = 0)
 * Every process sharing Redis and the prefix shares one rate and one schedule. Times are Redis's
 * clock (TIME, in ms), so processes on different clocks agree; `sentAt` handed back in FEEDBACK
 * is that clock's too. ARGV[1] may give `now` instead (the port's tests run both forms side by
 * side); the limiter leaves it empty. The tuning is core's `RATE_TUNING`, written in below.
 * The hash expires forgetAfterMs after its last change (the state forgets its rate by then).
 */
const PRELUDE = `
local key = KEYS[1]
local now = tonumber(ARGV[1])
if not now then
  local clock = redis.call('TIME')
  now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
end
local FIELDS = {'rate', 'rateAt', 'measured', 'next', 'pausedUntil', 'cutAt', 'refAt', 'refOk', 'refRefused',
  'sent', 'answered', 'ok', 'refused', 'startAt', 'throttledAt'}
local s = {}
local values = redis.call('HMGET', key, unpack(FIELDS))
for i = 1, #FIELDS do s[FIELDS[i]] = tonumber(values[i]) or 0 end

local function save()
  local out = {}
  for i = 1, #FIELDS do
    out[#out + 1] = FIELDS[i]
    out[#out + 1] = string.format('%.17g', s[FIELDS[i]])
  end
  redis.call('HSET', key, unpack(out))
  redis.call('PEXPIRE', key, ${2 * T.forgetAfterMs})
end

local function learnedRate()
  if s.rate == 0 then return 0 end
  if now - s.throttledAt > ${T.forgetAfterMs} then
    local paused = s.pausedUntil
    for i = 1, #FIELDS do s[FIELDS[i]] = 0 end
    s.pausedUntil = paused
    return 0
  end
  if s.measured == 1 then
    local t = math.max(0, now - s.rateAt) / 1000
    return s.rate * (1 + ${T.probePerSecond} * t + ${T.probePerSecond2} * t * t)
  end
  local quiet = math.max(0, now - math.max(s.rateAt, s.throttledAt) - ${T.gapMs})
  return s.rate * 2 ^ (quiet / ${T.probeDoublingMs})
end
`;

/**
 * ARGV[1] now or '', ARGV[2] ceiling (requests per second) or '', ARGV[3] aheadMs or ''.
 * `rateTake`, then `rateReserve`: returns {1, sentAt, ok, now} when the request has its turn
 * (sentAt, as a string: a reserved turn's time has a fraction; it may be up to aheadMs after
 * now), else {0, wait, ok, now}: how long (ms, rounded up) until it may ask again, or -1 while
 * the slow start waits for answers; `ok` is the account's count of answers that were not
 * throttles (a turn's `progress`).
 */
export const PACE = script(`${PRELUDE}
local ceiling = tonumber(ARGV[2])
local function take()
  if s.pausedUntil > now then return s.pausedUntil - now end
  local learned = learnedRate()
  local rate
  if learned == 0 then rate = ceiling or 0 elseif ceiling == nil then rate = learned else rate = math.min(learned, ceiling) end
  if rate == 0 then
    local onWire = s.sent - s.answered
    if s.answered < ${T.startAnswers} and onWire >= ${T.startWindow} + 2 * s.answered then return -1 end
  else
    if s.next > now then return s.next - now end
    local interval = 1000 / rate
    s.next = math.max(s.next, now - interval) + interval
  end
  if s.sent == 0 then s.startAt = now end
  s.sent = s.sent + 1
  return 0
end
local wait = take()
local aheadMs = tonumber(ARGV[3]) or 0
if wait > 0 and s.pausedUntil <= now and s.next > now and s.next - now <= aheadMs then
  -- rateReserve: the turn is taken now for its time.
  local asked = now
  now = s.next
  if take() == 0 then
    save()
    return {1, tostring(now), s.ok, asked}
  end
  now = asked
end
save()
if wait == 0 then return {1, tostring(now), s.ok, now} end
if wait > 0 then wait = math.ceil(wait) end
return {0, wait, s.ok, now}
`);

/**
 * ARGV[1] now or '', ARGV[2] 1 when throttled else 0, ARGV[3] sentAt, ARGV[4] progress,
 * ARGV[5] retryAfterMs or ''. `rateFeedback`: returns 1 when the throttle is the rate's, else 0.
 */
export const FEEDBACK = script(`${PRELUDE}
local throttled, sentAt, progress, retryAfterMs = ARGV[2] == '1', tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local function feedback()
  if s.answered < s.sent then s.answered = s.answered + 1 end
  local current = learnedRate()
  if not throttled then
    s.ok = s.ok + 1
    return 0
  end
  s.refused = s.refused + 1
  if retryAfterMs and retryAfterMs > 0 then s.pausedUntil = math.max(s.pausedUntil, now + retryAfterMs) end
  local stretchBroken = now - s.throttledAt > ${T.gapMs}
  local news = current == 0 or sentAt >= s.cutAt
  if current == 0 then
    s.rate = math.max(${T.firstPerSecond}, (s.ok * 1000) / math.max(1, now - s.startAt))
    s.measured = 0
  elseif s.measured == 0 then
    if stretchBroken then s.rate = current
    elseif not news then s.rate = current
    elseif s.refused - s.refRefused > s.ok - s.refOk + 1 then s.rate = math.max(${T.minPerSecond}, current * ${T.cut})
    elseif now - s.refAt >= ${T.firstWindowMs} then
      s.rate = math.max(${T.minPerSecond}, (${T.below} * (s.ok - s.refOk) * 1000) / (now - s.refAt))
      s.measured = 1
    else s.rate = current end
  else
    if (not news) or now - s.refAt < ${T.windowMs} then
      s.throttledAt = now
      if s.ok > progress then return 1 end
      return 0
    end
    local measured = ((s.ok - s.refOk) * 1000) / (now - s.refAt)
    s.rate = math.max(${T.minPerSecond}, ${T.below} * math.max(measured, ${T.floor} * current))
  end
  if current == 0 or stretchBroken or s.measured == 1 then
    s.refAt = now
    s.refOk = s.ok
    s.refRefused = s.refused
  end
  s.throttledAt = now
  s.rateAt = now
  if news then s.cutAt = now end
  s.next = math.max(s.next, now)
  if s.ok > progress then return 1 end
  return 0
end
local verdict = feedback()
save()
return verdict
`);

/** ARGV[1] now or ''. Returns the state's fields as strings, after learnedRate at now (for tests and inspect). */
export const RATE_STATE = script(`${PRELUDE}
local rate = learnedRate()
local out = {}
for i = 1, #FIELDS do out[#out + 1] = string.format('%.17g', s[FIELDS[i]]) end
out[#out + 1] = string.format('%.17g', rate)
return out
`);

export const RATE_FIELDS = [
  'rate',
  'rateAt',
  'measured',
  'next',
  'pausedUntil',
  'cutAt',
  'refAt',
  'refOk',
  'refRefused',
  'sent',
  'answered',
  'ok',
  'refused',
  'startAt',
  'throttledAt',
] as const;
