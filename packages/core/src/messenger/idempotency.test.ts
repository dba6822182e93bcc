import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ParleyError } from '../errors/ParleyError.js';
import { hashKey } from '../limiter/key.js';
import type { Capabilities } from '../provider.js';
import { memoryStore } from '../store/memory.js';
import type { Store } from '../store/types.js';
import { fakeProvider } from '../testing/fake-provider.js';
import { createFakeTransport, type FakeHandler, jsonResponse } from '../testing/fake-transport.js';
import { createMessenger } from './create.js';
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
const TEXT = { type: 'text', to: '+57 300 123 4567', text: 'once' } as const;
const open: Messenger[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((m) => m.close()));
});

function setup(handler: FakeHandler, store: Store = memoryStore(), ttl?: number) {
  const transport = createFakeTransport(handler);
  const messenger = createMessenger(
    { provider: 'fake', apiKey: 'idem-key', retry: { maxAttempts: 1 } },
    { providers: [fakeProvider(CAPS)], transport, store, ...(ttl ? { idempotencyTtlMs: ttl } : {}) },
  );
  open.push(messenger);
  return { messenger, transport, store };
}

let n = 0;
const accept: FakeHandler = () => jsonResponse(200, { id: ++n });

describe('idempotent sends', () => {
  it('returns the first result for a repeated key without sending again', async () => {
    const { messenger, transport } = setup(accept);
    const first = await messenger.send(TEXT, { idempotencyKey: 'order-1' });
    const again = await messenger.send({ ...TEXT, to: '573001234567' }, { idempotencyKey: 'order-1' });
    expect(again).toEqual(first);
    expect(again.acceptedAt).toBeInstanceOf(Date);
    expect(transport.requests).toHaveLength(1);
    await messenger.send(TEXT, { idempotencyKey: 'order-2' });
    expect(transport.requests).toHaveLength(2);
  });

  it('joins a send still in flight', async () => {
    let release: () => void = () => {};
    const { messenger, transport } = setup(
      () => new Promise((resolve) => (release = () => resolve(jsonResponse(200, { id: 99 })))),
    );
    const a = messenger.send(TEXT, { idempotencyKey: 'k' });
    const b = messenger.send(TEXT, { idempotencyKey: 'k' });
    await new Promise((r) => setTimeout(r, 10));
    release();
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra).toEqual(rb);
    expect(transport.requests).toHaveLength(1);
  });

  it('refuses a key reused with a different message', async () => {
    const { messenger, transport } = setup(accept);
    await messenger.send(TEXT, { idempotencyKey: 'k' });
    await expect(messenger.send({ ...TEXT, text: 'other' }, { idempotencyKey: 'k' })).rejects.toMatchObject({
      code: 'VALIDATION',
      issues: [{ path: 'idempotencyKey', message: expect.stringContaining('different message') }],
    });
    await expect(messenger.send(TEXT, { idempotencyKey: '' })).rejects.toMatchObject({ code: 'VALIDATION' });
    expect(transport.requests).toHaveLength(1);
  });

  it('sends again after a first attempt that surely was not sent', async () => {
    let calls = 0;
    const { messenger, transport } = setup(() => {
      if (++calls === 1) throw new ParleyError({ code: 'AUTH', message: 'no', delivery: 'not_sent' });
      return jsonResponse(200, { id: 1 });
    });
    await expect(messenger.send(TEXT, { idempotencyKey: 'k' })).rejects.toMatchObject({ code: 'AUTH' });
    await expect(messenger.send(TEXT, { idempotencyKey: 'k' })).resolves.toMatchObject({ providerMessageId: '1' });
    expect(transport.requests).toHaveLength(2);
  });

  it('never resends after an ambiguous failure', async () => {
    const { messenger, transport } = setup(() => {
      throw new ParleyError({ code: 'TIMEOUT', message: 'slow', retryable: true, delivery: 'unknown' });
    });
    await expect(messenger.send(TEXT, { idempotencyKey: 'k' })).rejects.toMatchObject({ code: 'TIMEOUT' });
    await expect(messenger.send(TEXT, { idempotencyKey: 'k' })).rejects.toMatchObject({
      code: 'PROVIDER_ERROR',
      delivery: 'unknown',
    });
    expect(transport.requests).toHaveLength(1);
  });

  it('forgets a key after its TTL', async () => {
    let now = 1_000_000;
    const store = memoryStore({ now: () => now });
    const { messenger, transport } = setup(accept, store, 60_000);
    await messenger.send(TEXT, { idempotencyKey: 'k' });
    now += 59_000;
    await messenger.send(TEXT, { idempotencyKey: 'k' });
    expect(transport.requests).toHaveLength(1);
    now += 2_000;
    await messenger.send(TEXT, { idempotencyKey: 'k' });
    expect(transport.requests).toHaveLength(2);
  });

  it('waits for a send another process holds in the shared store, and takes its result', async () => {
    const store = memoryStore();
    const { messenger, transport } = setup(accept, store);
    const storeKey = `idem:${hashKey('fake', 'idem-key')}:${createHash('sha256').update('shared').digest('base64url')}`;
    const validated = { type: 'text', to: '573001234567', text: 'once' };
    const fp = createHash('sha256').update(JSON.stringify(validated)).digest('base64url');
    await store.set(storeKey, JSON.stringify({ state: 'pending', fp }), 60_000);
    const waiting = messenger.send(TEXT, { idempotencyKey: 'shared' });
    await new Promise((r) => setTimeout(r, 150));
    const result = { id: 'pm_other', provider: 'fake', providerMessageId: '5', status: 'accepted', acceptedAt: 42 };
    await store.set(storeKey, JSON.stringify({ state: 'done', fp, result }), 60_000);
    await expect(waiting).resolves.toEqual({ ...result, acceptedAt: new Date(42) });
    expect(transport.requests).toHaveLength(0);
  });

  it('stops waiting with ABORTED (not sent) when the messenger closes', async () => {
    const store = memoryStore();
    const { messenger, transport } = setup(accept, store);
    const storeKey = `idem:${hashKey('fake', 'idem-key')}:${createHash('sha256').update('held').digest('base64url')}`;
    const fp = createHash('sha256')
      .update(JSON.stringify({ type: 'text', to: '573001234567', text: 'once' }))
      .digest('base64url');
    await store.set(storeKey, JSON.stringify({ state: 'pending', fp }), 60_000);
    const waiting = messenger.send(TEXT, { idempotencyKey: 'held' });
    await new Promise((r) => setTimeout(r, 20));
    await messenger.close();
    await expect(waiting).rejects.toMatchObject({ code: 'ABORTED', delivery: 'not_sent' });
    expect(transport.requests).toHaveLength(0);
  });
  it('reports a key whose owner died mid-send (no heartbeat) as unknown at once, and never sends it', async () => {
    const store = memoryStore();
    const { messenger, transport } = setup(accept, store);
    const storeKey = `idem:${hashKey('fake', 'idem-key')}:${createHash('sha256').update('killed').digest('base64url')}`;
    const fp = createHash('sha256')
      .update(JSON.stringify({ type: 'text', to: '573001234567', text: 'once' }))
      .digest('base64url');
    await store.set(storeKey, JSON.stringify({ state: 'pending', fp, owner: 'gone' }), 86_400_000);
    await expect(messenger.send(TEXT, { idempotencyKey: 'killed' })).rejects.toMatchObject({
      code: 'PROVIDER_ERROR',
      delivery: 'unknown',
    });
    expect(JSON.parse((await store.get(storeKey)) ?? '{}')).toMatchObject({ state: 'unknown', fp });
    await expect(messenger.send(TEXT, { idempotencyKey: 'killed' })).rejects.toMatchObject({ delivery: 'unknown' });
    expect(transport.requests).toHaveLength(0);
  });

  it('waits while the owner in another process keeps its heartbeat, and reports unknown once it stops', async () => {
    let now = 5_000_000;
    const store = memoryStore({ now: () => now });
    const { messenger, transport } = setup(accept, store);
    const storeKey = `idem:${hashKey('fake', 'idem-key')}:${createHash('sha256').update('alive').digest('base64url')}`;
    const fp = createHash('sha256')
      .update(JSON.stringify({ type: 'text', to: '573001234567', text: 'once' }))
      .digest('base64url');
    await store.set(`${storeKey}:live:other`, '1', 15_000);
    await store.set(storeKey, JSON.stringify({ state: 'pending', fp, owner: 'other' }), 86_400_000);
    let settled = false;
    const waiting = messenger.send(TEXT, { idempotencyKey: 'alive' }).finally(() => (settled = true));
    waiting.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 250));
    expect(settled).toBe(false);
    now += 15_001; // the other process was killed: its heartbeat is not renewed
    await expect(waiting).rejects.toMatchObject({ code: 'PROVIDER_ERROR', delivery: 'unknown' });
    expect(transport.requests).toHaveLength(0);
  });

  it('keeps a heartbeat beside its pending entry while it sends, and drops it once done', async () => {
    const store = memoryStore();
    let release: () => void = () => {};
    const { messenger } = setup(
      () => new Promise((resolve) => (release = () => resolve(jsonResponse(200, { id: 7 })))),
      store,
    );
    const storeKey = `idem:${hashKey('fake', 'idem-key')}:${createHash('sha256').update('beat').digest('base64url')}`;
    const sending = messenger.send(TEXT, { idempotencyKey: 'beat' });
    await new Promise((r) => setTimeout(r, 20));
    const pending = JSON.parse((await store.get(storeKey)) ?? '{}') as { state: string; owner: string };
    expect(pending.state).toBe('pending');
    expect(await store.get(`${storeKey}:live:${pending.owner}`)).toBe('1');
    release();
    await sending;
    expect(await store.get(`${storeKey}:live:${pending.owner}`)).toBeUndefined();
    expect(JSON.parse((await store.get(storeKey)) ?? '{}')).toMatchObject({ state: 'done' });
  });
});
