import { randomBytes } from 'node:crypto';
import {
  createMessenger,
  fetchTransport,
  type Limiter,
  type Messenger,
  memoryLimiter,
  memoryStore,
  ParleyError,
  type SendResult,
  undiciTransport,
} from '@parley/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { wolkvox } from './provider.js';
import { type FakeWolkvox, startFakeWolkvox } from './test-support/fake-wolkvox.js';

const LATENCY_MS = 50;
const TO = '+57 300 123 4567';

let server: FakeWolkvox;
let opened: Messenger[] = [];

beforeEach(async () => {
  server = await startFakeWolkvox({ latencyMs: LATENCY_MS });
});
afterEach(async () => {
  await Promise.all(opened.map((m) => m.close()));
  opened = [];
  await server.close();
});

async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const newToken = () => `tok-${randomBytes(12).toString('hex')}`;

function open(token: string, options: { limiter?: Limiter; maxConcurrent?: number } = {}): Messenger {
  const messenger = createMessenger(
    {
      provider: 'wolkvox',
      token,
      server: '0042',
      connectorId: '1',
      baseUrl: server.baseUrl,
      ...(options.maxConcurrent !== undefined ? { maxConcurrent: options.maxConcurrent } : {}),
    },
    { providers: [wolkvox], store: memoryStore(), ...(options.limiter ? { limiter: options.limiter } : {}) },
  );
  opened.push(messenger);
  return messenger;
}

/** Sends `count` texts `m0`, `m1`, … in that order, alternating between the messengers. */
function sendAll(messengers: Messenger[], count: number): Promise<SendResult[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      messengers[i % messengers.length]!.send({ type: 'text', to: TO, text: `m${i}` }),
    ),
  );
}

/** The send index of each request, in the order the server received them. */
const arrivalOrder = () => server.requests.map((r) => Number(String(r.body.message).slice(1)));

async function failure(promise: Promise<unknown>): Promise<ParleyError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ParleyError);
    return error as ParleyError;
  }
  throw new Error('expected the send to fail');
}

describe('at most 2 requests in flight per token', () => {
  const limiters: [string, () => Limiter | undefined][] = [
    ['the default process-wide limiter', () => undefined],
    ['an explicitly shared memoryLimiter', () => memoryLimiter()],
  ];

  it.each(limiters)('40 sends from two messengers sharing a token, with %s', async (_name, makeLimiter) => {
    const token = newToken();
    const limiter = makeLimiter();
    const messengers = [open(token, limiter ? { limiter } : {}), open(token, limiter ? { limiter } : {})];
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    const started = performance.now();
    const results = await sendAll(messengers, 40).finally(() => process.off('warning', onWarning));
    const elapsed = performance.now() - started;

    expect(results).toHaveLength(40);
    expect(results.every((r) => r.status === 'accepted')).toBe(true);
    expect(server.requests).toHaveLength(40);
    expect(server.maxConcurrent(token)).toBe(2);
    expect(server.concurrencyRejections()).toBe(0);
    // A long queue is normal here, not a listener leak.
    expect(warnings).not.toContain('MaxListenersExceededWarning');
    // 20 rounds of one latency each at the least: less is impossible with 2 in flight. (How close
    // to that it stays is a speed figure: `pnpm bench` measures it, as wolkvox.utilisation.)
    expect(elapsed).toBeGreaterThanOrEqual(20 * LATENCY_MS * 0.95);
    // FIFO: with two slots, a request can overtake at most the one beside it.
    const order = arrivalOrder();
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(Math.max(...order.map((sent, arrived) => Math.abs(sent - arrived)))).toBeLessThanOrEqual(1);
  });

  it('maxConcurrent: 1 keeps one request in flight, in strict FIFO order', async () => {
    const token = newToken();
    const messengers = [open(token, { maxConcurrent: 1 }), open(token, { maxConcurrent: 1 })];
    const started = performance.now();
    await sendAll(messengers, 10);
    const elapsed = performance.now() - started;
    expect(server.maxConcurrent(token)).toBe(1);
    expect(arrivalOrder()).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(elapsed).toBeGreaterThanOrEqual(10 * LATENCY_MS * 0.95);
  });

  it('two tokens do not block each other', async () => {
    const [a, b] = [newToken(), newToken()];
    const started = performance.now();
    await Promise.all([sendAll([open(a)], 8), sendAll([open(b)], 8)]);
    const elapsed = performance.now() - started;
    expect(server.maxConcurrent(a)).toBe(2);
    expect(server.maxConcurrent(b)).toBe(2);
    expect(server.requests).toHaveLength(16);
    // 4 rounds, run side by side; one shared queue would take 8.
    expect(elapsed).toBeGreaterThanOrEqual(4 * LATENCY_MS * 0.95);
    expect(elapsed).toBeLessThan(8 * LATENCY_MS * 0.9);
  });

  it('a waiting send aborted by its signal fails ABORTED (not_sent) and is never sent', async () => {
    const messenger = open(newToken());
    const first = sendAll([messenger], 2);
    const controller = new AbortController();
    const waiting = messenger.send({ type: 'text', to: TO, text: 'aborted' }, { signal: controller.signal });
    const after = messenger.send({ type: 'text', to: TO, text: 'm2' });
    controller.abort();
    const error = await failure(waiting);
    expect(error).toMatchObject({ code: 'ABORTED', delivery: 'not_sent', provider: 'wolkvox' });
    await first;
    await after;
    await new Promise((resolve) => setTimeout(resolve, 2 * LATENCY_MS));
    expect(server.requests.map((r) => r.body.message)).toEqual(['m0', 'm1', 'm2']);
  });

  it('close() while sends wait: waiting ones fail ABORTED (not_sent), sent ones ABORTED (unknown) at once; close waits for the provider', async () => {
    const token = newToken();
    const messenger = open(token);
    const sends = Array.from({ length: 5 }, (_, i) => messenger.send({ type: 'text', to: TO, text: `m${i}` }));
    const settled = Promise.allSettled(sends);
    await until(() => server.requests.length === 2);
    const closing = messenger.close();
    const results = await settled;
    // The callers are settled before the provider answered: a held request still counts as at work.
    expect(server.inFlight(token)).toBe(2);
    expect(results.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected', 'rejected']);
    for (const s of results.slice(0, 2)) {
      expect((s as PromiseRejectedResult).reason).toMatchObject({ code: 'ABORTED', delivery: 'unknown' });
    }
    for (const s of results.slice(2)) {
      expect((s as PromiseRejectedResult).reason).toMatchObject({ code: 'ABORTED', delivery: 'not_sent' });
    }
    await closing;
    expect(server.inFlight(token)).toBe(0);
    expect(server.requests.map((r) => r.body.message)).toEqual(['m0', 'm1']);
  });
});

describe.each([
  ['undiciTransport', () => undiciTransport()],
  ['fetchTransport', () => fetchTransport()],
])('an abandoned request keeps its slot while the provider works on it (%s)', (_name, makeTransport) => {
  const SLOW_MS = 300;
  let slow: FakeWolkvox;
  const messengers: Messenger[] = [];
  beforeEach(async () => {
    slow = await startFakeWolkvox({ latencyMs: SLOW_MS });
  });
  afterEach(async () => {
    await Promise.all(messengers.splice(0).map((m) => m.close()));
    await slow.close();
  });
  const openSlow = (token: string, timeoutMs?: number) => {
    const messenger = createMessenger(
      {
        provider: 'wolkvox',
        token,
        server: '0042',
        connectorId: '1',
        baseUrl: slow.baseUrl,
        retry: { maxAttempts: 1 },
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      },
      { providers: [wolkvox], store: memoryStore(), limiter: memoryLimiter(), transport: makeTransport() },
    );
    messengers.push(messenger);
    return messenger;
  };

  it("timeoutMs below the provider's 60 s: TIMEOUT (unknown) at once, never more than 2 at work", async () => {
    const token = newToken();
    const messenger = openSlow(token, 100);
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => messenger.send({ type: 'text', to: TO, text: `m${i}` })),
    );
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'TIMEOUT', delivery: 'unknown' });
    }
    await until(() => slow.requests.length === 6 && slow.inFlight(token) === 0);
    expect(slow.maxConcurrent(token)).toBe(2);
    expect(slow.concurrencyRejections()).toBe(0);
  });

  it('an aborted signal: sent ones ABORTED (unknown) at once, waiting ones dropped (not_sent); the next send waits for the provider', async () => {
    const token = newToken();
    const messenger = openSlow(token);
    const controller = new AbortController();
    const sends = Array.from({ length: 6 }, (_, i) =>
      messenger.send({ type: 'text', to: TO, text: `m${i}` }, { signal: controller.signal }),
    );
    await until(() => slow.requests.length === 2);
    controller.abort();
    const results = await Promise.allSettled(sends);
    expect(slow.inFlight(token)).toBe(2);
    const deliveries = results.map((r) => (r as PromiseRejectedResult).reason?.delivery);
    expect(deliveries).toEqual(['unknown', 'unknown', 'not_sent', 'not_sent', 'not_sent', 'not_sent']);
    const next = messenger.send({ type: 'text', to: TO, text: 'after' });
    const fresh = messenger.send({ type: 'text', to: TO, text: 'after2' });
    const more = messenger.send({ type: 'text', to: TO, text: 'after3' });
    await Promise.all([next, fresh, more]);
    // Two requests in flight travel on two connections: within a pair, arrival order is the network's.
    const arrived = slow.requests.map((r) => r.body.message as string);
    expect([arrived.slice(0, 2).sort(), arrived.slice(2, 4).sort(), arrived.slice(4)]).toEqual([
      ['m0', 'm1'],
      ['after', 'after2'],
      ['after3'],
    ]);
    expect(slow.maxConcurrent(token)).toBe(2);
    expect(slow.concurrencyRejections()).toBe(0);
  });
});
