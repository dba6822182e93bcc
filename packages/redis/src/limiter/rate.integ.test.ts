import { randomBytes } from 'node:crypto';
import { newRateState, type RateState, rateFeedback, rateTake } from '@parley/core/provider';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { useRedisServer } from '../test-support/redis-server.js';
import { type RedisLimiter, redisLimiter } from './limiter.js';
import { FEEDBACK, PACE, RATE_FIELDS, RATE_STATE } from './rate-scripts.js';

const redis = useRedisServer();
let opened: RedisLimiter[] = [];
const admin = { client: undefined as Redis | undefined };

afterEach(async () => {
  await Promise.all(opened.map((l) => l.close()));
  opened = [];
});
afterAll(() => admin.client?.disconnect());

function limiter(): RedisLimiter {
  const l = redisLimiter({ url: redis.url });
  opened.push(l);
  return l;
}

function adminClient(): Redis {
  admin.client ??= new Redis(redis.url);
  return admin.client;
}

const newKey = () => randomBytes(16).toString('hex');

async function stateInRedis(key: string, now: number): Promise<RateState> {
  const values = (await adminClient().eval(RATE_STATE.lua, 1, `parley:rate:{${key}}`, now)) as string[];
  return Object.fromEntries(RATE_FIELDS.map((f, i) => [f, Number(values[i])])) as unknown as RateState;
}

describe('the Lua port of core’s rate control', () => {
  it('gives the same turns, verdicts and state as rateTake/rateFeedback, step by step', async () => {
    const key = newKey();
    const redisKey = `parley:rate:{${key}}`;
    const client = adminClient();
    const s = newRateState();
    const T0 = 1_000_000;
    // A token bucket server (100/s, burst 5), 32 callers, 2 ms answers, over 1.5 virtual seconds.
    let tokens = 5;
    let at = T0;
    const inFlight: { sentAt: number; progress: number; ok: boolean; answerAt: number }[] = [];
    for (let now = T0; now < T0 + 1_500; now += 1) {
      for (const r of inFlight.filter((x) => x.answerAt <= now)) {
        inFlight.splice(inFlight.indexOf(r), 1);
        const feedback = { throttled: !r.ok, sentAt: r.sentAt, progress: r.progress };
        const ts = rateFeedback(s, now, feedback);
        const lua = await client.eval(FEEDBACK.lua, 1, redisKey, now, r.ok ? 0 : 1, r.sentAt, r.progress, '');
        expect(lua).toBe(ts ? 1 : 0);
      }
      while (inFlight.length < 32) {
        const wait = rateTake(s, now);
        const [granted, value] = (await client.eval(PACE.lua, 1, redisKey, now, '')) as number[];
        expect(granted).toBe(wait === 0 ? 1 : 0);
        if (wait !== 0) {
          expect(value).toBe(wait < 0 ? -1 : Math.ceil(wait));
          break;
        }
        tokens = Math.min(5, tokens + ((now - at) * 100) / 1000);
        at = now;
        const ok = tokens >= 1;
        if (ok) tokens -= 1;
        inFlight.push({ sentAt: now, progress: s.ok, ok, answerAt: now + 2 });
      }
    }
    const lua = await stateInRedis(key, T0 + 1_500);
    for (const field of RATE_FIELDS) expect(lua[field], field).toBeCloseTo(s[field], 6);
    expect(s.measured).toBe(1);
  });
});

describe('redisLimiter rate control across processes', () => {
  it('a throttle fed back through one limiter slows the other: a Retry-After pauses the account for both', async () => {
    const [a, b] = [limiter(), limiter()];
    const key = newKey();
    const turn = await a.pace(key, {});
    expect(await a.feedback(key, { throttled: true, ...turn, retryAfterMs: 300 })).toBe(false);
    // On Redis's clock: b's next turn comes no sooner than the pause's end.
    const next = await b.pace(key, {});
    expect(next.sentAt).toBeGreaterThanOrEqual(turn.sentAt + 300);
    expect(next.waitedMs).toBeGreaterThan(0);
  });

  it('shares one learned rate and one schedule: turns of both are spaced by it', async () => {
    const [a, b] = [limiter(), limiter()];
    const key = newKey();
    // Each accepted some, then one throttle: the account is paced at one rate for both.
    for (const l of [a, b]) {
      const t = await l.pace(key, {});
      await l.feedback(key, { throttled: false, ...t });
    }
    const t = await a.pace(key, {});
    await b.feedback(key, { throttled: true, ...t });
    const state = await stateInRedis(key, t.sentAt);
    expect(state.rate).toBeGreaterThan(0);
    const interval = 1000 / state.rate;
    const turns = await Promise.all([a.pace(key, {}), b.pace(key, {}), a.pace(key, {}), b.pace(key, {})]);
    const times = turns.map((x) => x.sentAt).sort((x, y) => x - y);
    // A late timer may catch up one turn; after that, each is at least ~one interval after the one before.
    for (let i = 2; i < times.length; i++) {
      expect(times[i]! - times[i - 2]!).toBeGreaterThanOrEqual(Math.floor(interval));
    }
  });

  it('the verdict: a throttle is the rate’s when other requests were accepted meanwhile, through any process', async () => {
    const [a, b] = [limiter(), limiter()];
    const key = newKey();
    const lone = await a.pace(key, {});
    const other = await b.pace(key, {});
    await b.feedback(key, { throttled: false, ...other });
    expect(await a.feedback(key, { throttled: true, ...lone })).toBe(true);
    const again = await a.pace(key, {});
    expect(await a.feedback(key, { throttled: true, ...again })).toBe(false);
  });

  it('a ceiling (rateLimit.perSecond) paces every process from the first request', async () => {
    const [a, b] = [limiter(), limiter()];
    const key = newKey();
    const turns = await Promise.all(
      Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? a : b).pace(key, { perSecond: 20 })),
    );
    const times = turns.map((x) => x.sentAt).sort((x, y) => x - y);
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(4 * 50 - 1);
  });

  it('abort while waiting for the turn: ABORTED, not sent', async () => {
    const l = limiter();
    const key = newKey();
    const turn = await l.pace(key, {});
    await l.feedback(key, { throttled: true, ...turn, retryAfterMs: 60_000 });
    const controller = new AbortController();
    const waiting = l.pace(key, { signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'ABORTED', delivery: 'not_sent' });
  });

  it('Redis unreachable: pace fails fast with NETWORK, not sent (as acquire does); close rejects its waiters', async () => {
    const dead = redisLimiter({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 100, commandTimeoutMs: 100 });
    try {
      await expect(dead.pace(newKey(), {})).rejects.toMatchObject({ code: 'NETWORK', delivery: 'not_sent' });
      await expect(dead.feedback(newKey(), { throttled: false, sentAt: 0, progress: 0 })).rejects.toMatchObject({
        code: 'NETWORK',
      });
    } finally {
      await dead.close();
    }
    const l = redisLimiter({ url: redis.url });
    const key = newKey();
    const turn = await l.pace(key, {});
    await l.feedback(key, { throttled: true, ...turn, retryAfterMs: 60_000 });
    const waiting = l.pace(key, {}).catch((e: unknown) => e);
    await l.close();
    expect(await waiting).toMatchObject({ code: 'ABORTED', delivery: 'not_sent' });
  });
});
