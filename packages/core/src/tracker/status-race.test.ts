import { afterEach, describe, expect, it } from 'vitest';
import { memoryLimiter } from '../limiter/memory.js';
import { createMessenger } from '../messenger/create.js';
import type { Messenger } from '../messenger/types.js';
import type { Capabilities } from '../provider.js';
import { type DeliveryStatus, isFinalStatus, type StatusUpdate } from '../status.js';
import { memoryStore } from '../store/memory.js';
import { fakeProvider } from '../testing/fake-provider.js';
import { createFakeTransport, jsonResponse } from '../testing/fake-transport.js';
import { assertStatusesRise } from '../testing/store-contract.js';
import { signCallbackUrl } from '../webhook/sign.js';

const CAPS: Capabilities = {
  text: true,
  image: true,
  template: true,
  statusTracking: 'poll',
  statusQuery: true,
  webhook: true,
  inbound: false,
};
const SECRET = 'a-very-long-webhook-secret';
const HOOK = 'https://app.example.com/hook';
const COUNT = 200;
const STALE: DeliveryStatus[] = ['pending', 'sent', 'sent', 'delivered'];

const open: Messenger[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((m) => m.close()));
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

describe('the one status path, raced in one process over a memory store', () => {
  it(`emits each status of ${COUNT} messages once, in order, across two messengers; final ones are not polled`, async () => {
    // A store whose every call yields to the event loop, as a remote store does: without one
    // atomic step, two paths can both read `sent` and both emit `delivered`.
    const inner = memoryStore();
    const store = new Proxy(inner, {
      get(target, key: keyof typeof inner) {
        const value = target[key];
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          await sleep(Math.random() * 2);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    let next = 1;
    const transport = createFakeTransport(async (req) => {
      if (req.url.endsWith('/send')) return jsonResponse(200, { id: next++ });
      await sleep(Math.random() * 3);
      return jsonResponse(200, { status: STALE[Math.floor(Math.random() * STALE.length)] });
    });
    const make = () => {
      const m = createMessenger(
        { provider: 'fake', apiKey: 'race-key', callbackUrl: HOOK, webhookSecret: SECRET },
        { providers: [fakeProvider(CAPS)], transport, store, limiter: memoryLimiter() },
      );
      open.push(m);
      return m;
    };
    const a = make();
    const b = make();
    const streams: StatusUpdate[][] = [[], []];
    a.on('status', (u) => streams[0]!.push(u));
    b.on('status', (u) => streams[1]!.push(u));
    const errors: unknown[] = [];
    a.on('error', (e) => errors.push(e));
    b.on('error', (e) => errors.push(e));

    const results = await Promise.all(
      Array.from({ length: COUNT }, () => a.send({ type: 'text', to: '+57 300 123 4567', text: 'hola' })),
    );
    const calls = shuffle(
      results.flatMap(({ id }) =>
        (['delivered', 'read', 'delivered', 'read', 'read', 'delivered'] as const).map((status) => ({ id, status })),
      ),
    );
    const answers = await Promise.all(
      calls.map(async ({ id, status }, i) => {
        await sleep(Math.random() * 150);
        const target = i % 2 === 0 ? a : b;
        const res = await target.webhook!(
          new Request(signCallbackUrl(HOOK, id, SECRET), {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ status }),
          }),
        );
        return res.status;
      }),
    );
    expect(answers.every((s) => s === 200)).toBe(true);
    await sleep(150);

    expect(errors).toEqual([]);
    assertStatusesRise(streams[0]!, 'messenger A');
    assertStatusesRise(streams[1]!, 'messenger B');
    const union = [...streams[0]!, ...streams[1]!].sort((x, y) => x.at.getTime() - y.at.getTime());
    assertStatusesRise(union, 'both');
    for (const { id } of results) {
      const mine = union.filter((e) => e.id === id).map((e) => e.status);
      expect(mine[0]).toBe('accepted');
      expect(mine.at(-1)).toBe('read');
      const record = await inner.getMessage(id);
      expect(record && isFinalStatus(record.status)).toBe(true);
      expect(record?.nextPollAt).toBeUndefined();
    }
    const { scope } = (await inner.getMessage(results[0]!.id))!;
    expect(await inner.nextDueAt(scope)).toBeUndefined();
  }, 30_000);
});
