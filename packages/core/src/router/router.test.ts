import { afterEach, describe, expect, it } from 'vitest';
import { ParleyError } from '../errors/ParleyError.js';
import type { Messenger } from '../messenger/types.js';
import type { StatusUpdate } from '../status.js';
import { createFakeMessenger, type FakeMessenger } from '../testing/fake-messenger.js';
import { createRouter } from './create-router.js';

const TEXT = { type: 'text', to: '+57 300 123 4567', text: 'routed' } as const;
const down = () => new ParleyError({ code: 'NETWORK', message: 'refused', retryable: true, delivery: 'not_sent' });
const ambiguous = () => new ParleyError({ code: 'TIMEOUT', message: 'slow', retryable: true, delivery: 'unknown' });

const open: Messenger[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((m) => m.close()));
});

function members(n: number, capabilities = {}): FakeMessenger[] {
  return Array.from({ length: n }, (_, i) => createFakeMessenger({ provider: `p${i}`, capabilities }));
}

function router(ms: Messenger[], strategy: 'failover' | 'round-robin', now?: () => number) {
  const r = createRouter({ strategy, messengers: ms, cooldownMs: 1_000, ...(now ? { now } : {}) });
  open.push(r);
  return r;
}

describe('createRouter', () => {
  it('fails over to the next member only when the message surely was not sent', async () => {
    const [a, b] = members(2) as [FakeMessenger, FakeMessenger];
    const r = router([a, b], 'failover');
    a.failNextSend(down());
    await expect(r.send(TEXT)).resolves.toMatchObject({ provider: 'p1' });
    expect(a.sent).toHaveLength(0);
    expect(b.sent).toHaveLength(1);

    const [c, d] = members(2) as [FakeMessenger, FakeMessenger];
    const r2 = router([c, d], 'failover');
    c.failNextSend(ambiguous());
    await expect(r2.send(TEXT)).rejects.toMatchObject({ code: 'TIMEOUT', delivery: 'unknown' });
    expect(d.transport.requests).toHaveLength(0);
  });

  it('rests a failing member for the cooldown, then tries it again', async () => {
    let now = 0;
    const [a, b] = members(2) as [FakeMessenger, FakeMessenger];
    const r = router([a, b], 'failover', () => now);
    a.failNextSend(down());
    await r.send(TEXT);
    await r.send(TEXT);
    expect(a.transport.requests).toHaveLength(1); // the failed attempt only
    now += 1_001;
    await expect(r.send(TEXT)).resolves.toMatchObject({ provider: 'p0' });
  });

  it('spreads sends round-robin', async () => {
    const ms = members(3);
    const r = router(ms, 'round-robin');
    const providers = [];
    for (let i = 0; i < 6; i++) providers.push((await r.send(TEXT)).provider);
    expect(providers).toEqual(['p0', 'p1', 'p2', 'p0', 'p1', 'p2']);
  });

  it('skips members that cannot send the message type, and says UNSUPPORTED when none can', async () => {
    const [a] = members(1, { image: false });
    const [b] = members(1);
    const r = router([a as Messenger, b as Messenger], 'failover');
    await expect(r.send({ type: 'image', to: '573001234567', url: 'https://x.test/a.png' })).resolves.toBeDefined();
    expect((b as FakeMessenger).sent).toHaveLength(1);
    const r2 = router(members(2, { image: false }), 'failover');
    await expect(r2.send({ type: 'image', to: '573001234567', url: 'https://x.test/a.png' })).rejects.toMatchObject({
      code: 'UNSUPPORTED',
    });
  });

  it('throws the last error when every member fails, and keeps ids unique', async () => {
    const [a, b] = members(2) as [FakeMessenger, FakeMessenger];
    const r = router([a, b], 'failover');
    a.failNextSend(down());
    b.failNextSend(new ParleyError({ code: 'AUTH', message: 'no', delivery: 'not_sent' }));
    await expect(r.send(TEXT)).rejects.toMatchObject({ code: 'AUTH' });
    const ids = new Set<string>();
    const r2 = router(members(2), 'round-robin');
    for (let i = 0; i < 20; i++) ids.add((await r2.send(TEXT)).id);
    expect(ids.size).toBe(20);
  });

  it('forwards every member status to its listeners and routes getStatus to the sender', async () => {
    const [a, b] = members(2) as [FakeMessenger, FakeMessenger];
    const r = router([a, b], 'round-robin');
    const events: StatusUpdate[] = [];
    r.on('status', (u) => events.push(u));
    const first = await r.send(TEXT);
    const second = await r.send(TEXT);
    await b.pushStatus(second.id, 'delivered');
    expect(events.map((e) => [e.provider, e.status])).toEqual([
      ['p0', 'accepted'],
      ['p1', 'accepted'],
      ['p1', 'delivered'],
    ]);
    await expect(r.getStatus(first.id)).resolves.toMatchObject({ provider: 'p0' });
    await expect(r.getStatus('pm_nope')).rejects.toMatchObject({ code: 'VALIDATION' });
  });

  it('refuses an empty router', () => {
    expect(() => createRouter({ strategy: 'failover', messengers: [] })).toThrow(
      expect.objectContaining({ code: 'CONFIG' }),
    );
  });
});
