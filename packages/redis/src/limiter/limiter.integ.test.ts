import { randomBytes } from 'node:crypto';
import { ParleyError, type Release } from '@parley/core';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { useRedisServer } from '../test-support/redis-server.js';
import { startTcpProxy } from '../test-support/tcp-proxy.js';
import { type RedisLimiter, type RedisLimiterOptions, redisLimiter } from './limiter.js';

const redis = useRedisServer();
let opened: RedisLimiter[] = [];

afterEach(async () => {
  await Promise.all(opened.map((l) => l.close()));
  opened = [];
});

/** A limiter with its own Redis connections, as another process would have. */
function limiter(options: Omit<RedisLimiterOptions, 'url' | 'client'> = {}): RedisLimiter {
  const l = redisLimiter({ url: redis.url, ...options });
  opened.push(l);
  return l;
}

const newKey = () => randomBytes(16).toString('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function track<T>(promise: Promise<T>): { settled: () => boolean; promise: Promise<T> } {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  return { settled: () => done, promise };
}

/** Waits until Redis shows `waiting` callers in line for `key`. */
async function untilWaiting(l: RedisLimiter, key: string, waiting: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if ((await l.inspect(key)).waiting === waiting) return;
    await sleep(2);
  }
  throw new Error(`never saw ${waiting} waiting`);
}

describe('redisLimiter against a real Redis', () => {
  it('never lets more than max callers hold a slot, across three connections', async () => {
    const limiters = [limiter(), limiter(), limiter()];
    const key = newKey();
    const max = 2;
    let active = 0;
    let peak = 0;
    let finished = 0;
    await Promise.all(
      Array.from({ length: 90 }, async (_, i) => {
        const release = await limiters[i % 3]!.acquire(key, { max });
        active++;
        peak = Math.max(peak, active);
        await sleep(Math.floor(Math.random() * 4));
        active--;
        finished++;
        release();
      }),
    );
    expect(finished).toBe(90);
    expect(peak).toBe(max);
    await sleep(20);
    expect(await limiters[0]!.inspect(key)).toEqual({ active: 0, waiting: 0 });
  });

  it('serves waiters of every connection in arrival order, newcomers behind them', async () => {
    const limiters = [limiter(), limiter(), limiter()];
    const key = newKey();
    const first = await limiters[0]!.acquire(key, { max: 1 });
    const order: number[] = [];
    const waiters: Promise<Release>[] = [];
    for (let n = 1; n <= 6; n++) {
      waiters.push(
        limiters[n % 3]!.acquire(key, { max: 1 }).then((release) => {
          order.push(n);
          return release;
        }),
      );
      await untilWaiting(limiters[0]!, key, n);
    }
    first();
    const late = limiters[1]!.acquire(key, { max: 1 }).then((release) => {
      order.push(7);
      return release;
    });
    for (const waiter of [...waiters, late]) (await waiter)();
    expect(order).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('removes an aborted waiter with ABORTED not_sent, and the next one gets the slot', async () => {
    const [a, b] = [limiter(), limiter()];
    const key = newKey();
    const holder = await a.acquire(key, { max: 1 });
    const controller = new AbortController();
    const aborted = b.acquire(key, { max: 1, signal: controller.signal });
    await untilWaiting(a, key, 1);
    const next = track(a.acquire(key, { max: 1 }));
    await untilWaiting(a, key, 2);

    controller.abort(new Error('caller gave up'));
    const error = await aborted.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ParleyError);
    expect(error).toMatchObject({ code: 'ABORTED', delivery: 'not_sent' });
    expect((error as ParleyError).cause).toEqual(new Error('caller gave up'));
    await untilWaiting(a, key, 1);
    expect(next.settled()).toBe(false);

    holder();
    (await next.promise)();
  });

  it('rejects at once on an aborted signal or a max below 1', async () => {
    const l = limiter();
    await expect(l.acquire(newKey(), { max: 2, signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'ABORTED',
      delivery: 'not_sent',
    });
    await expect(l.acquire(newKey(), { max: 0 })).rejects.toMatchObject({ code: 'CONFIG' });
  });

  it('rejects with CONCURRENCY_LIMIT (retryable, not_sent) when the shared queue is full', async () => {
    const [a, b] = [limiter({ maxQueue: 2 }), limiter({ maxQueue: 2 })];
    const key = newKey();
    const holder = await a.acquire(key, { max: 1 });
    const queued = [a.acquire(key, { max: 1 }), b.acquire(key, { max: 1 })];
    await untilWaiting(a, key, 2);
    const error = await b.acquire(key, { max: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ParleyError);
    expect(error).toMatchObject({ code: 'CONCURRENCY_LIMIT', retryable: true, delivery: 'not_sent' });
    holder();
    for (const q of queued) (await q)();
  });

  it('makes a second release of the same slot harmless', async () => {
    const [a, b] = [limiter(), limiter()];
    const key = newKey();
    const first = await a.acquire(key, { max: 1 });
    const second = track(b.acquire(key, { max: 1 }));
    await untilWaiting(a, key, 1);
    const third = track(a.acquire(key, { max: 1 }));
    await untilWaiting(a, key, 2);
    first();
    first();
    const releaseSecond = await second.promise;
    await sleep(50);
    // The second call of `first` must not have freed the second caller's slot for the third.
    expect(third.settled()).toBe(false);
    expect(await a.inspect(key)).toEqual({ active: 1, waiting: 1 });
    releaseSecond();
    const releaseThird = await third.promise;
    releaseThird();
    releaseThird();
    await sleep(20);
    expect(await a.inspect(key)).toEqual({ active: 0, waiting: 0 });
  });

  it('renews a held slot past its lease while the holder lives', async () => {
    const [a, b] = [limiter({ leaseMs: 500 }), limiter({ leaseMs: 500 })];
    const key = newKey();
    const holder = await a.acquire(key, { max: 1 });
    const waiter = track(b.acquire(key, { max: 1 }));
    await sleep(1_200);
    expect(waiter.settled()).toBe(false);
    holder();
    (await waiter.promise)();
  });

  it('puts a held slot back when Redis loses its data, so the holder still counts', async () => {
    const [a, b] = [limiter({ pollMs: 100 }), limiter({ pollMs: 100 })];
    const key = newKey();
    const holder = await a.acquire(key, { max: 1 });
    const admin = new Redis(redis.url);
    try {
      await admin.flushall();
    } finally {
      admin.disconnect();
    }
    await sleep(250);
    expect(await b.inspect(key)).toEqual({ active: 1, waiting: 0 });
    const waiter = track(b.acquire(key, { max: 1 }));
    await sleep(150);
    expect(waiter.settled()).toBe(false);
    holder();
    (await waiter.promise)();
  });

  it('still hands the slot over when the wake-up message is lost (the heartbeat finds it)', async () => {
    const [a, b] = [limiter(), limiter({ pollMs: 150 })];
    const key = newKey();
    const holder = await a.acquire(key, { max: 1 });
    const waiter = track(b.acquire(key, { max: 1 }));
    await untilWaiting(a, key, 1);
    // Drop every subscriber connection: the grant is published while nobody listens.
    const admin = new Redis(redis.url);
    try {
      await admin.client('KILL', 'TYPE', 'PUBSUB');
    } finally {
      admin.disconnect();
    }
    const released = performance.now();
    holder();
    (await waiter.promise)();
    expect(performance.now() - released).toBeLessThan(1_000);
  });

  it('hands a freed slot straight to its own next waiter when that one is first in line, and Redis follows', async () => {
    const proxy = await startTcpProxy(redis.port);
    try {
      const a = limiter();
      const viaProxy = redisLimiter({ url: proxy.url, commandTimeoutMs: 5_000 });
      opened.push(viaProxy);
      const key = newKey();
      const first = await viaProxy.acquire(key, { max: 1 });
      const second = track(viaProxy.acquire(key, { max: 1 }));
      await untilWaiting(a, key, 1);
      const third = track(a.acquire(key, { max: 1 }));
      await untilWaiting(a, key, 2);
      // Redis hears nothing from this process for now: only an in-process hand-off can serve `second`.
      proxy.latencyMs = 3_000;
      first();
      await sleep(50);
      expect(second.settled()).toBe(true);
      expect(third.settled()).toBe(false);
      proxy.latencyMs = 0;
      // Once the hand-off reached Redis: still one slot held, `third` still in line, then served.
      for (let i = 0; i < 400 && (await a.inspect(key)).waiting !== 1; i++) await sleep(10);
      await sleep(300);
      expect(await a.inspect(key)).toEqual({ active: 1, waiting: 1 });
      expect(third.settled()).toBe(false);
      (await second.promise)();
      (await third.promise)();
    } finally {
      await proxy.close();
    }
  }, 15_000);

  it('leaves no keys behind once idle, and close() rejects its waiters but not a client it was given', async () => {
    const client = new Redis(redis.url);
    try {
      const prefix = `idle-${newKey()}:`;
      const mine = redisLimiter({ client, prefix });
      const other = limiter({ prefix });
      const key = newKey();
      const holder = await other.acquire(key, { max: 1 });
      const waiting = mine.acquire(key, { max: 1 }).catch((e: unknown) => e);
      await untilWaiting(other, key, 1);
      await mine.close();
      expect(await waiting).toMatchObject({ code: 'ABORTED', delivery: 'not_sent' });
      await expect(mine.acquire(key, { max: 1 })).rejects.toMatchObject({ code: 'ABORTED' });
      holder();
      await sleep(20);
      expect(await client.keys(`${prefix}*`)).toEqual([]);
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.disconnect();
    }
  });
});
