import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { wolkvox } from '@parley/adapter-wolkvox';
import {
  createMessenger,
  type Limiter,
  type MessageRecord,
  type Messenger,
  ParleyError,
  type Store,
} from '@parley/core';
import { type Simulator, startSimulator } from '@parley/simulator';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { type RedisLimiter, redisLimiter } from './limiter/limiter.js';
import { type RedisStore, redisStore } from './store/store.js';
import { freePort, useRedisServer } from './test-support/redis-server.js';
import { startTcpProxy, type TcpProxy } from './test-support/tcp-proxy.js';

// These tests hold bounds, not speeds: each says "settles within connect + command timeout plus
// core's backoff (at most 250 + 500 ms), with a generous margin for a loaded machine". Without
// the bounds a send with Redis unreachable took 287 s.
const redis = useRedisServer();
const TIMEOUTS = { connectTimeoutMs: 300, commandTimeoutMs: 300 } as const;
const MARGIN_MS = 1_500;
const BOUND_MS = TIMEOUTS.connectTimeoutMs + TIMEOUTS.commandTimeoutMs + 750 + MARGIN_MS;

let sim: Simulator | undefined;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  await sim?.close();
  sim = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const newToken = () => `tok-${randomBytes(12).toString('hex')}`;
const template = (i: number) => ({
  type: 'template' as const,
  to: '+57 300 123 4567',
  name: 'welcome',
  variables: [`v${i}`],
});

function limiterAt(url: string, options: Parameters<typeof redisLimiter>[0] = TIMEOUTS): RedisLimiter {
  const limiter = redisLimiter({ url, ...options });
  cleanups.push(() => limiter.close());
  return limiter;
}
function storeAt(url: string, options: Parameters<typeof redisStore>[0] = TIMEOUTS): RedisStore {
  const store = redisStore({ url, ...options });
  cleanups.push(() => store.close());
  return store;
}
async function proxyTo(port: number): Promise<TcpProxy> {
  const proxy = await startTcpProxy(port);
  cleanups.push(() => proxy.close());
  return proxy;
}
function wolkvoxMessenger(token: string, limiter: Limiter, store?: Store): Messenger {
  if (sim === undefined) throw new Error('no simulator');
  const messenger = createMessenger(
    { provider: 'wolkvox', token, server: '0042', connectorId: '1', baseUrl: sim.wolkvox.baseUrl },
    { providers: [wolkvox], limiter, ...(store ? { store } : {}) },
  );
  cleanups.push(() => messenger.close());
  return messenger;
}

/** How a promise settles, and how long that took (ms). */
async function timed<T>(promise: Promise<T>): Promise<{ ms: number; value?: T; error?: unknown }> {
  const start = performance.now();
  try {
    const value = await promise;
    return { ms: performance.now() - start, value };
  } catch (error) {
    return { ms: performance.now() - start, error };
  }
}

function expectNotSentNetwork(error: unknown): void {
  expect(error).toBeInstanceOf(ParleyError);
  expect(error).toMatchObject({ code: 'NETWORK', delivery: 'not_sent', retryable: true });
}

/** Sends until one is accepted (Redis is back); fails after `ms`. */
async function untilAccepted(messenger: Messenger, ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  for (let i = 0; ; i++) {
    try {
      await messenger.send(template(1000 + i));
      return;
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await sleep(50);
    }
  }
}

describe('a send through redisLimiter when Redis fails', () => {
  it('rejects within the bound with NETWORK, not_sent, and no request to the provider, when nothing listens', async () => {
    sim = await startSimulator({ latencyMs: 5 });
    const url = `redis://127.0.0.1:${await freePort()}`;
    const messenger = wolkvoxMessenger(newToken(), limiterAt(url));
    for (let i = 0; i < 2; i++) {
      const { ms, error } = await timed(messenger.send(template(i)));
      expectNotSentNetwork(error);
      expect(ms).toBeLessThan(BOUND_MS);
    }
    expect(sim.wolkvox.requests).toHaveLength(0);
  });

  it('settles within 5 s with the default options', async () => {
    sim = await startSimulator({ latencyMs: 5 });
    const url = `redis://127.0.0.1:${await freePort()}`;
    const messenger = wolkvoxMessenger(newToken(), limiterAt(url, {}));
    const { ms, error } = await timed(messenger.send(template(0)));
    expectNotSentNetwork(error);
    expect(ms).toBeLessThan(5_000);
    expect(sim.wolkvox.requests).toHaveLength(0);
  });

  it('rejects within the bound when Redis accepts connections but never answers', async () => {
    sim = await startSimulator({ latencyMs: 5 });
    const proxy = await proxyTo(redis.port);
    proxy.silent = true;
    const messenger = wolkvoxMessenger(newToken(), limiterAt(proxy.url));
    const { ms, error } = await timed(messenger.send(template(0)));
    expectNotSentNetwork(error);
    expect(ms).toBeLessThan(BOUND_MS);
    expect(sim.wolkvox.requests).toHaveLength(0);
  });

  it('rejects within the bound when Redis answers slower than commandTimeoutMs, and sends again once it is fast', async () => {
    sim = await startSimulator({ latencyMs: 5 });
    const proxy = await proxyTo(redis.port);
    const messenger = wolkvoxMessenger(newToken(), limiterAt(proxy.url));
    await messenger.send(template(0));
    proxy.latencyMs = 2_000;
    const results = await Promise.all([0, 1, 2].map((i) => timed(messenger.send(template(i + 1)))));
    for (const { ms, error } of results) {
      expectNotSentNetwork(error);
      expect(ms).toBeLessThan(BOUND_MS);
    }
    expect(sim.wolkvox.requests).toHaveLength(1);
    proxy.latencyMs = 0;
    await untilAccepted(messenger, 10_000);
  }, 30_000);

  it('fails a caller waiting in the queue within the bound once Redis stops answering', async () => {
    const proxy = await proxyTo(redis.port);
    const [a, b] = [limiterAt(proxy.url), limiterAt(proxy.url)];
    const key = randomBytes(8).toString('hex');
    const held = await a.acquire(key, { max: 1 });
    const waiting = timed(b.acquire(key, { max: 1 }));
    while ((await a.inspect(key)).waiting < 1) await sleep(5);
    proxy.silent = true;
    const { ms, error } = await waiting;
    expectNotSentNetwork(error);
    // From the moment Redis went silent: at most a heartbeat (1 s) plus the command timeout.
    expect(ms).toBeLessThan(1_000 + BOUND_MS);
    held();
  });

  it('keeps the limit and tells the truth while its connections to Redis are cut, then sends again', async () => {
    sim = await startSimulator({ latencyMs: 40 });
    const token = newToken();
    const proxy = await proxyTo(redis.port);
    const messenger = wolkvoxMessenger(token, limiterAt(proxy.url));
    const sends = Array.from({ length: 30 }, (_, i) => messenger.send(template(i)));
    for (let i = 0; i < 5; i++) {
      await sleep(80);
      proxy.cut();
    }
    const outcomes = await Promise.allSettled(sends);
    for (const o of outcomes) if (o.status === 'rejected') expectNotSentNetwork(o.reason);
    const accepted = outcomes.filter((o) => o.status === 'fulfilled').length;
    expect(sim.wolkvox.requests.filter((r) => r.status === 200)).toHaveLength(accepted);
    expect(sim.wolkvox.requests.filter((r) => r.status === 403)).toHaveLength(0);
    expect(sim.wolkvox.concurrency(token).maxInFlight).toBeLessThanOrEqual(2);
    await untilAccepted(messenger, 10_000);
    const again = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => messenger.send(template(100 + i))));
    expect(again.filter((o) => o.status === 'rejected')).toEqual([]);
  }, 30_000);

  it('never has more than its limit in flight when Redis loses its data mid-run (FLUSHALL), and nothing ends unknown', async () => {
    sim = await startSimulator({ latencyMs: 150 });
    const token = newToken();
    const messenger = wolkvoxMessenger(token, limiterAt(redis.url));
    const admin = new Redis(redis.url);
    cleanups.push(() => admin.quit());
    const first = Array.from({ length: 10 }, (_, i) => messenger.send(template(i)));
    await sleep(200);
    // Redis forgets the two slots in flight and the queue; new callers arrive at once.
    await admin.flushall();
    const second = Array.from({ length: 6 }, (_, i) => messenger.send(template(100 + i)));
    const outcomes = await Promise.allSettled([...first, ...second]);
    for (const o of outcomes) if (o.status === 'rejected') expectNotSentNetwork(o.reason);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(16);
    expect(sim.wolkvox.concurrency(token).maxInFlight).toBeLessThanOrEqual(2);
    expect(sim.wolkvox.requests.filter((r) => r.status === 403)).toHaveLength(0);
  }, 30_000);

  it('never has more than its limit in flight across a Redis restart that loses its data, and sends again after it', async () => {
    sim = await startSimulator({ latencyMs: 150 });
    const token = newToken();
    const messenger = wolkvoxMessenger(token, limiterAt(redis.url, { connectTimeoutMs: 2_000 }));
    const first = Array.from({ length: 10 }, (_, i) => messenger.send(template(i)));
    await sleep(200);
    await redis.restart();
    const second = Array.from({ length: 6 }, (_, i) => messenger.send(template(100 + i)));
    const outcomes = await Promise.allSettled([...first, ...second]);
    for (const o of outcomes) if (o.status === 'rejected') expectNotSentNetwork(o.reason);
    const accepted = outcomes.filter((o) => o.status === 'fulfilled').length;
    expect(sim.wolkvox.requests.filter((r) => r.status === 200)).toHaveLength(accepted);
    expect(sim.wolkvox.concurrency(token).maxInFlight).toBeLessThanOrEqual(2);
    expect(sim.wolkvox.requests.filter((r) => r.status === 403)).toHaveLength(0);
    await untilAccepted(messenger, 10_000);
  }, 30_000);
});

describe('redisStore when Redis fails', () => {
  const record = (id: string): MessageRecord => ({
    id,
    scope: 'scope-a',
    status: 'sent',
    acceptedAt: 0,
    nextPollAt: 0,
  });
  const operations = (store: RedisStore): Promise<unknown>[] => [
    store.get('k'),
    store.set('k', 'v', 1_000),
    store.increment('c', 1_000),
    store.delete('k'),
    store.getMessage('m'),
    store.putMessage(record('m'), 1_000),
    store.deleteMessage('m'),
    store.claimDue('scope-a', 0, 10),
    store.nextDueAt('scope-a'),
  ];

  it('fails every operation within the bound with NETWORK when Redis is unreachable', async () => {
    const store = storeAt(`redis://127.0.0.1:${await freePort()}`);
    for (const { ms, error } of await Promise.all(operations(store).map((op) => timed(op)))) {
      expectNotSentNetwork(error);
      expect(ms).toBeLessThan(BOUND_MS);
    }
  });

  it('fails every operation within the bound when Redis is slow, and works again once it is fast', async () => {
    const proxy = await proxyTo(redis.port);
    const store = storeAt(proxy.url);
    await store.set('k', 'v', 10_000);
    proxy.latencyMs = 2_000;
    for (const { ms, error } of await Promise.all(operations(store).map((op) => timed(op)))) {
      expectNotSentNetwork(error);
      expect(ms).toBeLessThan(BOUND_MS);
    }
    proxy.latencyMs = 0;
    for (let i = 0; ; i++) {
      const { error } = await timed(store.get('k'));
      if (error === undefined) break;
      if (i > 200) throw error;
      await sleep(50);
    }
    await store.set('k2', 'w', 10_000);
    expect(await store.get('k2')).toBe('w');
  }, 20_000);

  it('refuses timeouts below 1 ms with CONFIG naming the field', () => {
    expect(() => redisStore({ url: redis.url, connectTimeoutMs: 0 })).toThrow(/connectTimeoutMs/);
    expect(() => redisLimiter({ url: redis.url, commandTimeoutMs: -5 })).toThrow(/commandTimeoutMs/);
    expect(() => redisLimiter({ url: redis.url, commandTimeoutMs: Number.NaN })).toThrow(
      expect.objectContaining({ code: 'CONFIG' }),
    );
  });
});
