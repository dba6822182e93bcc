import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { providerError } from '../errors/factories.js';
import { ParleyError } from '../errors/ParleyError.js';
import { memoryLimiter } from '../limiter/memory.js';
import type { OutboundMessage } from '../messages/schemas.js';
import type { Capabilities, ProviderDefinition } from '../provider.js';
import { memoryStore } from '../store/memory.js';
import { fakeProvider } from '../testing/fake-provider.js';
import { createFakeTransport, type FakeHandler, jsonResponse } from '../testing/fake-transport.js';
import type { TransportRequest, TransportResponse } from '../transport/types.js';
import { THROTTLE_RETRY_BOUND } from './caller.js';
import { createMessenger } from './create.js';
import type { SendManyOutcome, SendManyProgress } from './send-many.js';
import type { Messenger } from './types.js';

const CAPS: Capabilities = {
  text: true,
  image: true,
  template: true,
  statusTracking: 'none',
  statusQuery: false,
  webhook: false,
  inbound: false,
};
const text = (i: number): OutboundMessage => ({ type: 'text', to: '+57 300 123 4567', text: `hola ${i}` });

const open: Messenger[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((m) => m.close()));
});

/**
 * The fake provider, reading a 429 as a rate limit (not sent, retryable, `Retry-After` kept), and
 * allowing `slots` requests at once for its credential (as Wolkvox does) when given.
 */
function provider(slots?: number): ProviderDefinition {
  const definition = fakeProvider(CAPS);
  return {
    ...definition,
    create: (config, ctx) => {
      const driver = definition.create(config, ctx);
      return {
        ...driver,
        ...(slots === undefined ? {} : { concurrency: { key: 'k', max: slots } }),
        parseSend: (response: TransportResponse) => {
          if (response.status !== 429) return driver.parseSend(response);
          throw providerError({
            code: 'RATE_LIMITED',
            provider: 'fake',
            message: 'Too many requests',
            retryable: true,
            delivery: 'not_sent',
            httpStatus: 429,
            retryAfterMs: Number(response.headers['retry-after'] ?? 0) * 1000,
          });
        },
      };
    },
  } as ProviderDefinition;
}

function instantClock() {
  let t = 0;
  return {
    now: () => t,
    sleep: async (ms: number) => {
      t += ms;
    },
  };
}

function setup(
  handler: FakeHandler,
  options: {
    slots?: number;
    maxAttempts?: number;
    store?: ReturnType<typeof memoryStore>;
    limiter?: ReturnType<typeof memoryLimiter>;
  } = {},
) {
  const transport = createFakeTransport(handler);
  const messenger = createMessenger(
    {
      provider: 'fake',
      apiKey: 'bulk-key',
      ...(options.maxAttempts ? { retry: { maxAttempts: options.maxAttempts } } : {}),
    },
    {
      providers: [provider(options.slots)],
      transport,
      store: options.store ?? memoryStore(),
      limiter: options.limiter ?? memoryLimiter(),
    },
  );
  open.push(messenger);
  return { messenger, transport };
}

const ok: FakeHandler = () => jsonResponse(200, { id: 1 });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The Parley id a request carries (the fake provider puts it in the body). */
const idOf = (request: TransportRequest) => (JSON.parse(String(request.body)) as { id: string }).id;

async function collect(iterable: AsyncIterable<SendManyOutcome>): Promise<SendManyOutcome[]> {
  const out: SendManyOutcome[] = [];
  for await (const outcome of iterable) out.push(outcome);
  return out;
}

const indices = (outcomes: readonly SendManyOutcome[]) => outcomes.map((o) => o.index).sort((a, b) => a - b);

describe('messenger.sendMany', () => {
  it('gives one outcome per input, a ParleyError for each that failed, and sends only valid ones', async () => {
    const { messenger, transport } = setup(ok);
    const messages = [text(0), text(1), { type: 'text', to: '12', text: 'x' } as OutboundMessage, text(3)];
    const progress: SendManyProgress[] = [];
    const outcomes = await collect(messenger.sendMany(messages, { onProgress: (p) => progress.push(p) }));
    expect(indices(outcomes)).toEqual([0, 1, 2, 3]);
    const bad = outcomes.find((o) => o.index === 2);
    expect(bad?.ok).toBe(false);
    expect(!bad?.ok && bad?.error).toBeInstanceOf(ParleyError);
    expect(!bad?.ok && bad?.error.code).toBe('VALIDATION');
    expect(outcomes.filter((o) => o.ok).map((o) => o.ok && o.result.status)).toEqual([
      'accepted',
      'accepted',
      'accepted',
    ]);
    expect(transport.requests).toHaveLength(3);
    expect(progress.at(-1)).toEqual({ sent: 3, failed: 1, pending: 0 });
  });

  it('reads a 100,000-row async iterable lazily: never more than `concurrency` messages held at once', async () => {
    const { messenger } = setup(ok);
    let read = 0;
    let taken = 0;
    let mostHeld = 0;
    async function* rows() {
      for (let i = 0; i < 100_000; i++) {
        read++;
        mostHeld = Math.max(mostHeld, read - taken);
        yield text(i);
      }
    }
    let count = 0;
    for await (const outcome of messenger.sendMany(rows(), { concurrency: 32 })) {
      taken++;
      if (outcome.ok) count++;
    }
    expect(count).toBe(100_000);
    expect(mostHeld).toBeLessThanOrEqual(32 + 1);
  }, 60_000);

  it('stops reading when the consumer stops taking outcomes', async () => {
    const { messenger } = setup(ok);
    let read = 0;
    function* rows() {
      for (let i = 0; i < 10_000; i++) {
        read++;
        yield text(i);
      }
    }
    const iterator = messenger.sendMany(rows(), { concurrency: 8 })[Symbol.asyncIterator]();
    await iterator.next();
    await sleep(50);
    expect(read).toBeLessThanOrEqual(8 + 2);
    await iterator.return?.();
  });

  it('abort mid-batch: what was not sent settles ABORTED/not_sent, one outcome per input, nothing sent after', async () => {
    const gates: (() => void)[] = [];
    const { messenger, transport } = setup(
      () => new Promise((resolve) => gates.push(() => resolve(jsonResponse(200, { id: 1 })))),
      { slots: 2 },
    );
    const controller = new AbortController();
    const outcomes: SendManyOutcome[] = [];
    const run = (async () => {
      for await (const o of messenger.sendMany(
        Array.from({ length: 50 }, (_, i) => text(i)),
        { signal: controller.signal },
      )) {
        outcomes.push(o);
      }
    })();
    // Let 6 through, two at a time, then abort with 2 more on the wire.
    for (let i = 0; i < 8; i++) {
      while (gates.length === 0) await sleep(1);
      if (i === 6) break;
      gates.shift()!();
      await sleep(1);
    }
    while (transport.requests.length < 8) await sleep(1);
    controller.abort(new Error('operator stopped the campaign'));
    await sleep(5);
    for (const release of gates.splice(0)) release();
    await run;

    expect(indices(outcomes)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const accepted = outcomes.filter((o) => o.ok);
    const failed = outcomes.flatMap((o) => (o.ok ? [] : [o.error]));
    expect(failed.every((e) => e.code === 'ABORTED')).toBe(true);
    // Exactly the requests that reached the provider are not "not_sent".
    const onTheWire = transport.requests.length;
    expect(accepted.length + failed.filter((e) => e.delivery === 'unknown').length).toBe(onTheWire);
    expect(failed.filter((e) => e.delivery === 'not_sent')).toHaveLength(50 - onTheWire);
    expect(onTheWire).toBe(8);
  });

  it('a re-run with the same idempotency keys sends only what the first run did not', async () => {
    const store = memoryStore();
    const { messenger, transport } = setup(ok, { store });
    const messages = Array.from({ length: 40 }, (_, i) => text(i));
    const key = (_m: OutboundMessage, i: number) => `campaign-7:${i}`;
    const first = new Map<number, string>();
    for await (const o of messenger.sendMany(messages, { idempotencyKey: key, concurrency: 4 })) {
      if (o.ok) first.set(o.index, o.result.id);
      if (first.size === 15) break; // the process "crashed" here
    }
    const sentBefore = transport.requests.length;
    expect(sentBefore).toBeGreaterThanOrEqual(15);
    expect(sentBefore).toBeLessThan(40);
    const second = await collect(messenger.sendMany(messages, { idempotencyKey: key, concurrency: 4 }));
    expect(second.every((o) => o.ok)).toBe(true);
    expect(transport.requests).toHaveLength(40);
    expect(new Set(transport.requests.map(idOf)).size).toBe(40);
    for (const o of second) if (o.ok && first.has(o.index)) expect(o.result.id).toBe(first.get(o.index));
  });

  it('breaking out of the loop drops what waits for a slot and settles what is on the wire', async () => {
    const gates: (() => void)[] = [];
    const { messenger, transport } = setup(
      () => new Promise((resolve) => gates.push(() => resolve(jsonResponse(200, { id: 1 })))),
      { slots: 2 },
    );
    const loop = (async () => {
      for await (const _ of messenger.sendMany(Array.from({ length: 20 }, (_, i) => text(i)))) break;
    })();
    while (gates.length < 2) await sleep(1);
    gates.shift()!();
    await sleep(5);
    for (const release of gates.splice(0)) release();
    await loop;
    await sleep(10);
    // Two were on the wire, and at most the one that took the freed slot: nothing more goes out.
    expect(transport.requests.length).toBeLessThanOrEqual(3);
    for (const release of gates.splice(0)) release();
  });

  it('an input that throws ends the iteration with its error, after what is in flight settled', async () => {
    const { messenger, transport } = setup(ok);
    function* rows() {
      yield text(0);
      yield text(1);
      throw new Error('the CSV file is cut short');
    }
    const outcomes: SendManyOutcome[] = [];
    await expect(
      (async () => {
        for await (const o of messenger.sendMany(rows())) outcomes.push(o);
      })(),
    ).rejects.toThrow('the CSV file is cut short');
    expect(indices(outcomes)).toEqual([0, 1]);
    expect(transport.requests).toHaveLength(2);
  });

  it('refuses what is not a batch and a bad concurrency, naming the field, before any request', async () => {
    const { messenger, transport } = setup(ok);
    await expect(collect(messenger.sendMany(42 as never))).rejects.toMatchObject({
      code: 'VALIDATION',
      issues: [{ path: 'messages' }],
    });
    await expect(collect(messenger.sendMany([text(0)], { concurrency: 0 }))).rejects.toMatchObject({
      code: 'VALIDATION',
      issues: [{ path: 'concurrency' }],
    });
    expect(transport.requests).toHaveLength(0);
  });

  it('a 429 under rate control uses up no retry attempt, while the server accepts the others', async () => {
    const refused = new Map<string, number>();
    const { messenger, transport } = setup(
      (request) => {
        const body = String(request.body);
        // Message 10 is refused five times, while the other 199 are accepted.
        if (body.includes('hola 10"') && (refused.get('10') ?? 0) < 5) {
          refused.set('10', (refused.get('10') ?? 0) + 1);
          return jsonResponse(429, { error: 'slow down' });
        }
        return jsonResponse(200, { id: transport.requests.length });
      },
      { maxAttempts: 1, limiter: memoryLimiter({ clock: instantClock() }) },
    );
    const outcomes = await collect(messenger.sendMany(Array.from({ length: 200 }, (_, i) => text(i))));
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
    expect(refused.get('10')).toBe(5);
    expect(transport.requests).toHaveLength(205);
  });

  it('a 429 that no accepted request comes with uses an attempt like any failure, and the free ones are bounded', async () => {
    const lone = setup(() => jsonResponse(429, { error: 'slow down' }), {
      maxAttempts: 3,
      limiter: memoryLimiter({ clock: instantClock() }),
    });
    const [outcome] = await collect(lone.messenger.sendMany([text(0)]));
    expect(outcome).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    expect(lone.transport.requests).toHaveLength(3);

    // Message 100 is always refused while the others are accepted: its free retries end at the bound.
    const busy = setup(
      (request) =>
        String(request.body).includes('hola 100"')
          ? jsonResponse(429, { error: 'slow down' })
          : jsonResponse(200, { id: 1 }),
      { maxAttempts: 1, limiter: memoryLimiter({ clock: instantClock() }) },
    );
    const outcomes = await collect(busy.messenger.sendMany(Array.from({ length: 400 }, (_, i) => text(i))));
    expect(outcomes.filter((o) => !o.ok).map((o) => o.index)).toEqual([100]);
    const zero = busy.transport.requests.filter((r) => String(r.body).includes('hola 100"')).length;
    expect(zero).toBeGreaterThan(1);
    expect(zero).toBeLessThanOrEqual(1 + THROTTLE_RETRY_BOUND.retries);
  });

  it('abort while waiting for the account’s turn: ABORTED, not sent, and nothing more goes out', async () => {
    let n = 0;
    const { messenger, transport } = setup(
      () =>
        ++n === 1 ? jsonResponse(429, { error: 'wait' }, { 'retry-after': '3600' }) : jsonResponse(200, { id: n }),
      { maxAttempts: 1 },
    );
    // The first send's Retry-After pauses the account for an hour; the second waits for its turn.
    await expect(messenger.send(text(0))).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    const controller = new AbortController();
    const waiting = messenger.send(text(1), { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'ABORTED', delivery: 'not_sent' });
    expect(transport.requests).toHaveLength(1);
  });

  it('property: under any pattern of 429s, no message is lost or sent twice', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.boolean(), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 8 }),
        async (script, count, window) => {
          let n = 0;
          const accepted: string[] = [];
          const { messenger, transport } = setup(
            (request) => {
              // The scripted server: 429 (with a 1 ms Retry-After) where the script says so, in a loop.
              if (script[n++ % script.length]) return jsonResponse(429, { error: 'slow down' }, { 'retry-after': '0' });
              accepted.push(idOf(request));
              return jsonResponse(200, { id: accepted.length });
            },
            // Rate control on a clock that moves only when it waits: throttles pace without real time.
            { maxAttempts: 3, limiter: memoryLimiter({ clock: instantClock() }) },
          );
          const outcomes = await collect(
            messenger.sendMany(
              Array.from({ length: count }, (_, i) => text(i)),
              { concurrency: window },
            ),
          );
          expect(indices(outcomes)).toEqual(Array.from({ length: count }, (_, i) => i));
          const okIds = outcomes.flatMap((o) => (o.ok ? [o.result.id] : []));
          // Every acceptance at the server is one ok outcome, and none twice.
          expect(new Set(accepted).size).toBe(accepted.length);
          expect([...okIds].sort()).toEqual([...accepted].sort());
          for (const o of outcomes) if (!o.ok) expect(o.error.delivery).toBe('not_sent');
          // A throttle under rate control uses up no attempt, within its bound.
          expect(transport.requests.length).toBeLessThanOrEqual(count * (3 + THROTTLE_RETRY_BOUND.retries));
          await messenger.close();
        },
      ),
      { numRuns: 60 },
    );
  }, 60_000);
});
