import { describe, expect, it } from 'vitest';
import { checkStoreStatusContract } from '../testing/store-contract.js';
import { memoryStore } from './memory.js';
import type { MessageRecord } from './types.js';

const DAY = 86_400_000;

function clock(start = 1_000_000) {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
  };
}

function record(id: string, fields: Partial<MessageRecord> = {}): MessageRecord {
  return { id, scope: 's1', status: 'accepted', acceptedAt: 1_000_000, ...fields };
}

const ids = (records: readonly MessageRecord[]) => records.map((r) => r.id);

describe('memoryStore messages', () => {
  it('saves, reads, replaces and deletes a record', async () => {
    const store = memoryStore();
    expect(await store.getMessage('m1')).toBeUndefined();
    await store.putMessage(record('m1', { providerMessageId: 'p1' }), DAY);
    expect(await store.getMessage('m1')).toEqual(record('m1', { providerMessageId: 'p1' }));
    await store.putMessage(record('m1', { status: 'delivered' }), DAY);
    expect(await store.getMessage('m1')).toEqual(record('m1', { status: 'delivered' }));
    await store.deleteMessage('m1');
    expect(await store.getMessage('m1')).toBeUndefined();
    await store.deleteMessage('m1');
  });

  it('keeps its own copy: changing a record outside does not change the stored one', async () => {
    const store = memoryStore();
    const r = record('m1');
    await store.putMessage(r, DAY);
    r.status = 'read';
    const read = await store.getMessage('m1');
    expect(read?.status).toBe('accepted');
    read!.status = 'failed';
    expect((await store.getMessage('m1'))?.status).toBe('accepted');
  });

  it('expires a record ttlMs after it was saved, by the injected clock', async () => {
    const c = clock();
    const store = memoryStore({ now: c.now });
    await store.putMessage(record('m1'), 1000);
    c.advance(999);
    expect(await store.getMessage('m1')).toBeDefined();
    // Saving again restarts its time to live.
    await store.putMessage(record('m1'), 1000);
    c.advance(999);
    expect(await store.getMessage('m1')).toBeDefined();
    c.advance(1);
    expect(await store.getMessage('m1')).toBeUndefined();
  });

  it('does not claim or schedule an expired record', async () => {
    const c = clock();
    const store = memoryStore({ now: c.now });
    await store.putMessage(record('old', { nextPollAt: 10 }), 1000);
    await store.putMessage(record('new', { nextPollAt: 20 }), 5000);
    c.advance(1000);
    expect(await store.nextDueAt('s1')).toBe(20);
    expect(ids(await store.claimDue('s1', 100, 10))).toEqual(['new']);
    expect(await store.getMessage('old')).toBeUndefined();
  });

  it('drops expired records on later writes, without reading them', async () => {
    const c = clock();
    const store = memoryStore({ now: c.now });
    for (let i = 0; i < 100; i++) await store.putMessage(record(`m${i}`), 1000);
    c.advance(1000);
    // Writes to other keys sweep a few entries each; the expired ones go away.
    for (let i = 0; i < 100; i++) await store.set(`k${i}`, 'v', DAY);
    for (let i = 0; i < 100; i++) await store.putMessage(record(`fresh${i}`), DAY);
    // Turn the clock back, so a read cannot expire them itself: whatever is gone, the sweep dropped.
    c.advance(-1000);
    let left = 0;
    for (let i = 0; i < 100; i++) if (await store.getMessage(`m${i}`)) left++;
    expect(left).toBe(0);
  });
});

describe('memoryStore scheduling', () => {
  it('claims only due records of the scope, earliest first, up to the limit', async () => {
    const store = memoryStore();
    await store.putMessage(record('c', { nextPollAt: 300 }), DAY);
    await store.putMessage(record('a', { nextPollAt: 100 }), DAY);
    await store.putMessage(record('late', { nextPollAt: 900 }), DAY);
    await store.putMessage(record('b', { nextPollAt: 200 }), DAY);
    await store.putMessage(record('other', { scope: 's2', nextPollAt: 50 }), DAY);
    await store.putMessage(record('unpolled'), DAY);

    expect(ids(await store.claimDue('s1', 500, 2))).toEqual(['a', 'b']);
    expect(ids(await store.claimDue('s1', 500, 10))).toEqual(['c']);
    expect(await store.claimDue('s1', 500, 10)).toEqual([]);
    expect(ids(await store.claimDue('s1', 900, 10))).toEqual(['late']);
    expect(ids(await store.claimDue('s2', 900, 10))).toEqual(['other']);
    expect(await store.claimDue('s1', 10_000, 0)).toEqual([]);
  });

  it('returns the records as saved', async () => {
    const store = memoryStore();
    const r = record('a', { nextPollAt: 100, intervalMs: 2000, failures: 1, providerMessageId: 'p' });
    await store.putMessage(r, DAY);
    expect(await store.claimDue('s1', 100, 1)).toEqual([r]);
  });

  it('orders many records correctly', async () => {
    const store = memoryStore();
    const times = Array.from({ length: 500 }, (_, i) => ((i * 7919) % 500) + 1);
    for (const [i, at] of times.entries()) await store.putMessage(record(`m${i}`, { nextPollAt: at }), DAY);
    const claimed = await store.claimDue('s1', 1000, 1000);
    expect(claimed).toHaveLength(500);
    const ats = claimed.map((r) => r.nextPollAt!);
    expect(ats).toEqual([...ats].sort((x, y) => x - y));
  });

  it('leases what it claims until the record is saved again', async () => {
    const store = memoryStore();
    await store.putMessage(record('a', { nextPollAt: 100 }), DAY);
    const [claimed] = await store.claimDue('s1', 100, 10);
    expect(claimed?.id).toBe('a');
    expect(await store.claimDue('s1', 10_000, 10)).toEqual([]);
    expect(await store.nextDueAt('s1')).toBeUndefined();
    // Still readable while leased.
    expect((await store.getMessage('a'))?.id).toBe('a');
    // Saved with the same nextPollAt it is claimable again.
    await store.putMessage(claimed!, DAY);
    expect(await store.nextDueAt('s1')).toBe(100);
    expect(ids(await store.claimDue('s1', 100, 10))).toEqual(['a']);
  });

  it('claims a rescheduled record at its new time only', async () => {
    const store = memoryStore();
    await store.putMessage(record('a', { nextPollAt: 100 }), DAY);
    await store.putMessage(record('a', { nextPollAt: 500 }), DAY);
    expect(await store.nextDueAt('s1')).toBe(500);
    expect(await store.claimDue('s1', 499, 10)).toEqual([]);
    const claimed = await store.claimDue('s1', 500, 10);
    expect(claimed).toEqual([record('a', { nextPollAt: 500 })]);
    expect(await store.claimDue('s1', 10_000, 10)).toEqual([]);

    // Moved earlier, then back to a time it had before: claimed once.
    await store.putMessage(record('b', { nextPollAt: 300 }), DAY);
    await store.putMessage(record('b', { nextPollAt: 200 }), DAY);
    await store.putMessage(record('b', { nextPollAt: 300 }), DAY);
    expect(await store.claimDue('s1', 250, 10)).toEqual([]);
    expect(ids(await store.claimDue('s1', 300, 10))).toEqual(['b']);
    expect(await store.claimDue('s1', 10_000, 10)).toEqual([]);
  });

  it('stops polling a record saved without nextPollAt, or deleted', async () => {
    const store = memoryStore();
    await store.putMessage(record('a', { nextPollAt: 100 }), DAY);
    await store.putMessage(record('b', { nextPollAt: 100 }), DAY);
    await store.putMessage(record('a', { status: 'read' }), DAY);
    await store.deleteMessage('b');
    expect(await store.nextDueAt('s1')).toBeUndefined();
    expect(await store.claimDue('s1', 10_000, 10)).toEqual([]);
  });

  it('moves a record to another scope when saved with it', async () => {
    const store = memoryStore();
    await store.putMessage(record('keep', { nextPollAt: 1000 }), DAY);
    await store.putMessage(record('a', { nextPollAt: 100 }), DAY);
    await store.putMessage(record('a', { scope: 's2', nextPollAt: 100 }), DAY);
    expect(await store.nextDueAt('s1')).toBe(1000);
    expect(await store.claimDue('s1', 100, 10)).toEqual([]);
    expect(ids(await store.claimDue('s2', 100, 10))).toEqual(['a']);
    expect(ids(await store.claimDue('s1', 1000, 10))).toEqual(['keep']);
  });

  it('nextDueAt gives the earliest unleased time, skipping leased and stale entries', async () => {
    const store = memoryStore();
    expect(await store.nextDueAt('s1')).toBeUndefined();
    await store.putMessage(record('a', { nextPollAt: 100 }), DAY);
    await store.putMessage(record('b', { nextPollAt: 200 }), DAY);
    await store.putMessage(record('c', { nextPollAt: 300 }), DAY);
    await store.putMessage(record('x', { scope: 's2', nextPollAt: 1 }), DAY);
    expect(await store.nextDueAt('s1')).toBe(100);
    await store.claimDue('s1', 100, 1);
    expect(await store.nextDueAt('s1')).toBe(200);
    // b moves later than c: its old entry at 200 is stale.
    await store.putMessage(record('b', { nextPollAt: 400 }), DAY);
    expect(await store.nextDueAt('s1')).toBe(300);
    expect(await store.nextDueAt('s2')).toBe(1);
  });

  it('stays correct through many reschedules (stale entries compacted)', async () => {
    const store = memoryStore();
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 100; i++) {
        await store.putMessage(record(`m${i}`, { nextPollAt: 10_000 - round * 100 - i }), DAY);
      }
    }
    // Final times: 10_000 - 1900 - i, i.e. 8001..8100.
    expect(await store.nextDueAt('s1')).toBe(8001);
    const claimed = await store.claimDue('s1', 8050, 1000);
    expect(claimed.map((r) => r.nextPollAt)).toEqual(Array.from({ length: 50 }, (_, k) => 8001 + k));
    expect(await store.claimDue('s1', 20_000, 1000)).toHaveLength(50);
    expect(await store.nextDueAt('s1')).toBeUndefined();
  });
});

describe('memoryStore values', () => {
  it('counts up and expires the counter ttlMs after it started', async () => {
    const c = clock();
    const store = memoryStore({ now: c.now });
    expect(await store.increment('n', 1000)).toBe(1);
    expect(await store.increment('n', 1000)).toBe(2);
    expect(await store.increment('other', 1000)).toBe(1);
    expect(await store.get('n')).toBe('2');
    c.advance(999);
    expect(await store.increment('n', 1000)).toBe(3);
    c.advance(1);
    expect(await store.get('n')).toBeUndefined();
    expect(await store.increment('n', 1000)).toBe(1);
  });

  it('keeps the first expiry of a counter (a fixed window) and stores nothing for no time', async () => {
    const c = clock();
    const store = memoryStore({ now: c.now });
    expect(await store.increment('n', 1000)).toBe(1);
    c.advance(500);
    expect(await store.increment('n', 1000)).toBe(2);
    c.advance(500);
    expect(await store.increment('n', 1000)).toBe(1);
    expect(await store.increment('gone', 0)).toBe(1);
    expect(await store.get('gone')).toBeUndefined();
  });

  it('sets, reads and deletes values with a time to live', async () => {
    const c = clock();
    const store = memoryStore({ now: c.now });
    expect(await store.set('k', 'v1', 1000)).toBe(true);
    expect(await store.get('k')).toBe('v1');
    expect(await store.set('k', 'v2', 1000)).toBe(true);
    expect(await store.get('k')).toBe('v2');
    c.advance(1000);
    expect(await store.get('k')).toBeUndefined();
    await store.set('k', 'v3', 1000);
    await store.delete('k');
    expect(await store.get('k')).toBeUndefined();
  });

  it('with onlyIfAbsent, sets only a missing or expired key', async () => {
    const c = clock();
    const store = memoryStore({ now: c.now });
    // Other keys, so that the sweep on writes is unlikely to be what expires `k`.
    for (let i = 0; i < 1000; i++) await store.set(`filler${i}`, 'x', DAY);
    expect(await store.set('k', 'first', 1000, { onlyIfAbsent: true })).toBe(true);
    expect(await store.set('k', 'second', 1000, { onlyIfAbsent: true })).toBe(false);
    expect(await store.get('k')).toBe('first');
    c.advance(1000);
    expect(await store.set('k', 'third', 1000, { onlyIfAbsent: true })).toBe(true);
    expect(await store.get('k')).toBe('third');
    await store.delete('k');
    expect(await store.set('k', 'fourth', 1000, { onlyIfAbsent: true })).toBe(true);
    expect(await store.set('k', 'forced', 1000, { onlyIfAbsent: false })).toBe(true);
    expect(await store.get('k')).toBe('forced');
  });

  it('close() clears everything', async () => {
    const store = memoryStore();
    await store.putMessage(record('a', { nextPollAt: 1 }), DAY);
    await store.set('k', 'v', DAY);
    await store.increment('n', DAY);
    await store.close();
    expect(await store.getMessage('a')).toBeUndefined();
    expect(await store.get('k')).toBeUndefined();
    expect(await store.get('n')).toBeUndefined();
    expect(await store.nextDueAt('s1')).toBeUndefined();
  });
});

describe('memoryStore status path', () => {
  it('keeps the status contract (advanceStatus, schedule)', async () => {
    await checkStoreStatusContract(memoryStore());
  });

  it('applies advances on its own clock for expiry, whatever the caller’s clock says', async () => {
    const c = clock(5_000);
    const store = memoryStore({ now: c.now });
    // A messenger a year ahead creates a record that lives one day: it lives one day here too.
    const at = 5_000 + 365 * DAY;
    await store.advanceStatus('m', { status: 'accepted', at, create: record('m', { acceptedAt: at }), ttlMs: DAY });
    c.advance(DAY - 1);
    expect((await store.getMessage('m'))?.status).toBe('accepted');
    c.advance(1);
    expect(await store.getMessage('m')).toBeUndefined();
  });
});
