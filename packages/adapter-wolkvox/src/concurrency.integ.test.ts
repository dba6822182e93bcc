import { randomBytes } from 'node:crypto';
import {
  createMessenger,
  type Limiter,
  type Messenger,
  memoryLimiter,
  memoryStore,
  ParleyError,
  type SendResult,
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

  it('close() while sends wait: the waiting ones fail ABORTED (not_sent), in-flight ones settle', async () => {
    const messenger = open(newToken());
    const sends = Array.from({ length: 5 }, (_, i) => messenger.send({ type: 'text', to: TO, text: `m${i}` }));
    await messenger.close();
    const settled = await Promise.allSettled(sends);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected', 'rejected']);
    for (const s of settled.slice(2)) {
      expect((s as PromiseRejectedResult).reason).toMatchObject({ code: 'ABORTED', delivery: 'not_sent' });
    }
    expect(server.requests.map((r) => r.body.message)).toEqual(['m0', 'm1']);
  });
});
