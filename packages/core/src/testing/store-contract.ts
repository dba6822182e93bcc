import { strict as assert } from 'node:assert';
import { type DeliveryStatus, statusRank } from '../status.js';
import type { MessageRecord, Store } from '../store/types.js';

const DAY = 86_400_000;

/**
 * Checks that a `Store` implements the status path's two atomic operations as core relies on
 * them (`advanceStatus`, `schedule`), throwing an `AssertionError` that names the broken rule.
 * Runner-free (`node:assert`), so any test framework can call it; give it a fresh, empty store
 * (or one whose ids `prefix` makes unique).
 *
 * @example
 * import { checkStoreStatusContract } from '@parley/core/testing';
 * test('my store keeps the status contract', () => checkStoreStatusContract(myStore()));
 */
export async function checkStoreStatusContract(store: Store, prefix = 'contract'): Promise<void> {
  const id = (n: string) => `${prefix}-${n}`;
  const scope = `${prefix}-scope`;
  const base = 1_000_000_000;
  const record = (n: string, fields: Partial<MessageRecord> = {}): MessageRecord => ({
    id: id(n),
    scope,
    status: 'accepted',
    acceptedAt: base,
    ...fields,
  });

  // A message the store does not know is left alone without `create`.
  const none = await store.advanceStatus(id('none'), { status: 'sent', at: base });
  assert.deepEqual(
    [none.created, none.advanced, none.status],
    [false, false, undefined],
    'unknown message without create',
  );
  assert.equal(await store.getMessage(id('none')), undefined, 'unknown message stays unknown');
  assert.equal(await store.schedule(id('none'), { nextPollAt: base, intervalMs: 1, failures: 0 }), false);

  // accepted creates the record once, with its first poll.
  const first = await store.advanceStatus(id('a'), {
    status: 'accepted',
    at: base,
    create: record('a', { providerMessageId: '42', nextPollAt: base + 100, intervalMs: 100 }),
    ttlMs: DAY,
  });
  assert.deepEqual([first.created, first.advanced, first.status, first.at], [true, true, 'accepted', base]);
  assert.equal(await store.nextDueAt(scope, base), base + 100, 'the first poll is scheduled with the record');
  const again = await store.advanceStatus(id('a'), { status: 'accepted', at: base, create: record('a'), ttlMs: DAY });
  assert.deepEqual([again.created, again.advanced], [false, false], 'accepted twice is not an advance');
  assert.equal((await store.getMessage(id('a')))?.providerMessageId, '42');

  // Forward only, never twice; the times of one message rise strictly.
  const sent = await store.advanceStatus(id('a'), { status: 'sent', at: base + 10 });
  assert.deepEqual([sent.advanced, sent.status, sent.at], [true, 'sent', base + 10]);
  for (const status of ['sent', 'pending', 'accepted', 'unknown'] as const) {
    const stale = await store.advanceStatus(id('a'), { status, at: base + 20 });
    assert.deepEqual([stale.advanced, stale.status], [false, 'sent'], `${status} after sent is no advance`);
  }
  const early = await store.advanceStatus(id('a'), { status: 'delivered', at: base + 5 });
  assert.deepEqual(
    [early.advanced, early.at],
    [true, base + 11],
    'a change dated before the last one comes just after it',
  );
  assert.equal((await store.getMessage(id('a')))?.statusAt, base + 11);

  // schedule sets the poll, never the status; a lease ends with it.
  const [claimed] = await store.claimDue(scope, base + 1_000, 10);
  assert.equal(claimed?.id, id('a'), 'the scheduled message is due');
  assert.equal(claimed?.status, 'delivered');
  assert.equal(await store.schedule(id('a'), { nextPollAt: base + 500, intervalMs: 200, failures: 1 }), true);
  const scheduled = await store.getMessage(id('a'));
  assert.deepEqual(
    [scheduled?.status, scheduled?.nextPollAt, scheduled?.intervalMs, scheduled?.failures],
    ['delivered', base + 500, 200, 1],
  );
  assert.equal(await store.nextDueAt(scope, base), base + 500);

  // A final status takes the message off the schedule and out of its lease, in the same step.
  assert.equal((await store.claimDue(scope, base + 1_000, 10)).length, 1);
  const read = await store.advanceStatus(id('a'), { status: 'read', at: base + 30 });
  assert.deepEqual([read.advanced, read.status], [true, 'read']);
  assert.equal((await store.getMessage(id('a')))?.nextPollAt, undefined, 'a final message has no next poll');
  assert.equal(await store.nextDueAt(scope, base), undefined, 'a final message is neither due nor leased');
  assert.equal(
    await store.schedule(id('a'), { nextPollAt: base, intervalMs: 1, failures: 0 }),
    false,
    'a final message is never scheduled again',
  );
  assert.equal((await store.claimDue(scope, base + 10_000, 10)).length, 0);
  const after = await store.advanceStatus(id('a'), { status: 'failed', at: base + 40 });
  assert.equal(after.advanced, false, 'nothing follows a final status');

  // A callback first (no provider id, no poll), then the send's answer: it fills them in.
  const early2 = await store.advanceStatus(id('b'), {
    status: 'delivered',
    at: base + 3,
    create: record('b'),
    ttlMs: DAY,
  });
  assert.deepEqual([early2.created, early2.advanced, early2.status], [true, true, 'delivered']);
  const late = await store.advanceStatus(id('b'), {
    status: 'accepted',
    at: base,
    create: record('b', { providerMessageId: '43', nextPollAt: base + 50, intervalMs: 50 }),
    ttlMs: DAY,
  });
  assert.deepEqual([late.created, late.advanced, late.status], [false, false, 'delivered']);
  const filled = await store.getMessage(id('b'));
  assert.deepEqual([filled?.providerMessageId, filled?.nextPollAt], ['43', base + 50]);
  assert.equal(await store.schedule(id('b'), undefined), false);
  assert.equal((await store.getMessage(id('b')))?.nextPollAt, undefined, 'schedule(undefined) stops the polls');
  assert.equal(await store.nextDueAt(scope, base), undefined);

  // Many advances at once: each status wins at most once, and the winners rise.
  const statuses = ['pending', 'sent', 'delivered', 'read', 'sent', 'pending', 'delivered', 'read', 'failed'] as const;
  await store.advanceStatus(id('c'), { status: 'accepted', at: base, create: record('c'), ttlMs: DAY });
  const results = await Promise.all(
    statuses.flatMap((status, i) =>
      [0, 1, 2].map((k) => store.advanceStatus(id('c'), { status, at: base + i * 3 + k })),
    ),
  );
  const won = results.filter((r) => r.advanced).sort((x, y) => x.at - y.at);
  const wonStatuses = won.map((r) => r.status);
  assert.equal(new Set(wonStatuses).size, wonStatuses.length, `a status won twice: ${wonStatuses.join(', ')}`);
  for (let i = 1; i < won.length; i++) {
    assert.ok(
      statusRank(won[i]!.status!) > statusRank(won[i - 1]!.status!),
      `went backwards: ${wonStatuses.join(', ')}`,
    );
  }
}

/**
 * Checks the events contract on a stream of status events (one process's, or several merged in
 * time order): each message's statuses rise strictly in the unified order, so none repeats and
 * none goes backwards. Throws an `AssertionError` naming the message and its sequence.
 *
 * @example
 * const events: StatusUpdate[] = [];
 * messenger.on('status', (u) => events.push(u));
 * // … send, receive callbacks …
 * assertStatusesRise(events);
 */
export function assertStatusesRise(
  events: Iterable<{ readonly id?: string; readonly status?: DeliveryStatus }>,
  label = 'status events',
): void {
  const byId = new Map<string, DeliveryStatus[]>();
  for (const e of events) {
    if (e.id === undefined || e.status === undefined) continue;
    const statuses = byId.get(e.id) ?? [];
    statuses.push(e.status);
    byId.set(e.id, statuses);
  }
  for (const [id, statuses] of byId) {
    for (let i = 1; i < statuses.length; i++) {
      assert.ok(
        statusRank(statuses[i]!) > statusRank(statuses[i - 1]!),
        `${label}: ${id} went ${statuses.join(' → ')}`,
      );
    }
  }
}
