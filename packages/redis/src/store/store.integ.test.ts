import { randomBytes } from 'node:crypto';
import type { MessageRecord } from '@parley/core';
import { checkStoreStatusContract } from '@parley/core/testing';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawnChild } from '../test-support/children.js';
import { useRedisServer } from '../test-support/redis-server.js';
import { type RedisStore, type RedisStoreOptions, redisStore } from './store.js';

const redis = useRedisServer();
const DAY = 86_400_000;
let admin: Redis;
let opened: RedisStore[] = [];

beforeAll(() => {
  admin = new Redis(redis.url);
});
afterAll(() => admin.disconnect());
afterEach(async () => {
  await Promise.all(opened.map((s) => s.close()));
  opened = [];
});

/** A store with its own connection; each test gets its own prefix, so tests never see each other's keys. */
function store(options: Omit<RedisStoreOptions, 'url' | 'client'> & { prefix?: string } = {}): RedisStore {
  const s = redisStore({ url: redis.url, prefix: `t-${randomBytes(6).toString('hex')}:`, ...options });
  opened.push(s);
  return s;
}

function record(id: string, fields: Partial<MessageRecord> = {}): MessageRecord {
  return { id, scope: 's1', status: 'accepted', acceptedAt: 1_000_000, ...fields };
}

const ids = (records: readonly MessageRecord[]) => records.map((r) => r.id);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('redisStore messages', () => {
  it('saves, reads, replaces and deletes a record', async () => {
    const s = store();
    expect(await s.getMessage('m1')).toBeUndefined();
    await s.putMessage(record('m1', { providerMessageId: 'p1' }), DAY);
    expect(await s.getMessage('m1')).toEqual(record('m1', { providerMessageId: 'p1' }));
    await s.putMessage(record('m1', { status: 'delivered' }), DAY);
    expect(await s.getMessage('m1')).toEqual(record('m1', { status: 'delivered' }));
    await s.deleteMessage('m1');
    expect(await s.getMessage('m1')).toBeUndefined();
    await s.deleteMessage('m1');
  });

  it('expires a record ttlMs after it was saved, and never claims or schedules it after', async () => {
    const s = store();
    await s.putMessage(record('old', { nextPollAt: 10 }), 50);
    await s.putMessage(record('new', { nextPollAt: 20 }), DAY);
    await s.putMessage(record('gone', { nextPollAt: 30 }), 0);
    expect(await s.getMessage('gone')).toBeUndefined();
    await sleep(80);
    expect(await s.getMessage('old')).toBeUndefined();
    expect(await s.nextDueAt('s1')).toBe(20);
    expect(ids(await s.claimDue('s1', 100, 10))).toEqual(['new']);
  });
});

describe('redisStore scheduling', () => {
  it('claims only due records of the scope, earliest first, up to the limit', async () => {
    const s = store();
    await s.putMessage(record('c', { nextPollAt: 300 }), DAY);
    await s.putMessage(record('a', { nextPollAt: 100 }), DAY);
    await s.putMessage(record('late', { nextPollAt: 900 }), DAY);
    await s.putMessage(record('b', { nextPollAt: 200 }), DAY);
    await s.putMessage(record('other', { scope: 's2', nextPollAt: 50 }), DAY);
    await s.putMessage(record('unpolled'), DAY);

    expect(ids(await s.claimDue('s1', 500, 2))).toEqual(['a', 'b']);
    expect(ids(await s.claimDue('s1', 500, 10))).toEqual(['c']);
    expect(await s.claimDue('s1', 500, 10)).toEqual([]);
    expect(ids(await s.claimDue('s1', 900, 10))).toEqual(['late']);
    expect(ids(await s.claimDue('s2', 900, 10))).toEqual(['other']);
    expect(await s.claimDue('s1', 10_000, 0)).toEqual([]);
  });

  it('returns the records as saved, in order, for many records', async () => {
    const s = store();
    const r = record('a', { nextPollAt: 1, intervalMs: 2000, failures: 1, providerMessageId: '9007199254740993' });
    await s.putMessage(r, DAY);
    expect(await s.claimDue('s1', 1, 1)).toEqual([r]);
    const times = Array.from({ length: 500 }, (_, i) => ((i * 7919) % 500) + 10);
    await Promise.all(times.map((at, i) => s.putMessage(record(`m${i}`, { nextPollAt: at }), DAY)));
    const claimed = await s.claimDue('s1', 1000, 1000);
    expect(claimed).toHaveLength(500);
    const ats = claimed.map((c) => c.nextPollAt!);
    expect(ats).toEqual([...ats].sort((x, y) => x - y));
  });

  it('claims a rescheduled record at its new time only; stops polling one saved without nextPollAt or deleted', async () => {
    const s = store();
    await s.putMessage(record('a', { nextPollAt: 100 }), DAY);
    await s.putMessage(record('a', { nextPollAt: 500 }), DAY);
    expect(await s.nextDueAt('s1')).toBe(500);
    expect(await s.claimDue('s1', 499, 10)).toEqual([]);
    expect(await s.claimDue('s1', 500, 10)).toEqual([record('a', { nextPollAt: 500 })]);

    await s.putMessage(record('b', { nextPollAt: 100 }), DAY);
    await s.putMessage(record('c', { nextPollAt: 100 }), DAY);
    await s.putMessage(record('b', { status: 'read' }), DAY);
    await s.deleteMessage('c');
    expect(await s.claimDue('s1', 10_000, 10)).toEqual([]);
  });

  it('moves a record to another scope when saved with it', async () => {
    const s = store();
    await s.putMessage(record('keep', { nextPollAt: 1000 }), DAY);
    await s.putMessage(record('a', { nextPollAt: 100 }), DAY);
    await s.putMessage(record('a', { scope: 's2', nextPollAt: 100 }), DAY);
    expect(await s.nextDueAt('s1')).toBe(1000);
    expect(await s.claimDue('s1', 100, 10)).toEqual([]);
    expect(ids(await s.claimDue('s2', 100, 10))).toEqual(['a']);
    expect(ids(await s.claimDue('s1', 1000, 10))).toEqual(['keep']);
  });

  it('leases what it claims until saved again, and a lease that runs out makes the record due again', async () => {
    const leaseMs = 300;
    const s = store({ leaseMs });
    await s.putMessage(record('a', { nextPollAt: 100 }), DAY);
    await s.putMessage(record('b', { nextPollAt: 100 }), DAY);
    const claimed = await s.claimDue('s1', 100, 10);
    expect(ids(claimed)).toEqual(['a', 'b']);
    expect(await s.claimDue('s1', 10_000, 10)).toEqual([]);
    // Still readable while leased.
    expect((await s.getMessage('a'))?.id).toBe('a');

    // Nothing unleased is due, but the leases run out: nextDueAt says when (this process's clock).
    const leasedUntil = await s.nextDueAt('s1');
    expect(leasedUntil).toBeGreaterThan(Date.now() + leaseMs - 100);
    expect(leasedUntil).toBeLessThanOrEqual(Date.now() + leaseMs + 5);

    // `a` is saved by its poller (lease cleared); `b`'s poller "died".
    await s.putMessage({ ...claimed[0]!, nextPollAt: 10_000_000 }, DAY);
    expect(await s.claimDue('s1', 10_000, 10)).toEqual([]);
    await sleep(leasedUntil! - Date.now() + 5);
    expect(await s.nextDueAt('s1')).toBe(100);
    expect(await s.claimDue('s1', 10_000, 10)).toEqual([record('b', { nextPollAt: 100 })]);
    expect(await s.claimDue('s1', 10_000, 10)).toEqual([]);
  });

  it('never gives one record to two claimers: two processes claiming at once', async () => {
    const prefix = `race-${randomBytes(6).toString('hex')}:`;
    const s = store({ prefix });
    const scope = 'race';
    const n = 600;
    await Promise.all(
      Array.from({ length: n }, (_, i) => s.putMessage(record(`m${i}`, { scope, nextPollAt: i }), DAY)),
    );
    const children = [0, 1].map(() => spawnChild('claimer', { redisUrl: redis.url, prefix, scope, batch: 7 }));
    await Promise.all(children.map((c) => c.next('ready')));
    for (const child of children) child.send({ type: 'go' });
    const [first, second] = (await Promise.all(children.map((c) => c.next('done')))).map((d) => d.ids as string[]);
    const all = [...first!, ...second!];
    // Both took part, nothing was claimed twice, nothing was missed.
    expect(first!.length).toBeGreaterThan(0);
    expect(second!.length).toBeGreaterThan(0);
    expect(new Set(all).size).toBe(all.length);
    expect(all).toHaveLength(n);
  });
});

describe('redisStore counters and values', () => {
  it('increment counts and expires ttlMs after the counter starts (a fixed window)', async () => {
    const prefix = `q-${randomBytes(6).toString('hex')}:`;
    const s = store({ prefix });
    const key = 'quota:abc:20000';
    expect(await s.increment(key, 60_000)).toBe(1);
    const ttl = await admin.pttl(`${prefix}kv:${key}`);
    expect(ttl).toBeGreaterThan(59_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    // A later increment keeps the first expiry.
    expect(await s.increment(key, 3_600_000)).toBe(2);
    expect(await admin.pttl(`${prefix}kv:${key}`)).toBeLessThanOrEqual(60_000);
    expect(await s.get(key)).toBe('2');

    // A window already over stores nothing.
    expect(await s.increment('past', 0)).toBe(1);
    expect(await s.increment('past', -5)).toBe(1);
    expect(await s.get('past')).toBeUndefined();

    // It really expires.
    expect(await s.increment('short', 50)).toBe(1);
    await sleep(80);
    expect(await s.increment('short', 50)).toBe(1);
  });

  it('sets, reads and deletes values with a time to live; onlyIfAbsent only sets a missing key', async () => {
    const s = store();
    expect(await s.set('k', 'v1', 1000)).toBe(true);
    expect(await s.get('k')).toBe('v1');
    expect(await s.set('k', 'v2', 60)).toBe(true);
    await sleep(80);
    expect(await s.get('k')).toBeUndefined();

    expect(await s.set('i', 'first', 60, { onlyIfAbsent: true })).toBe(true);
    expect(await s.set('i', 'second', 1000, { onlyIfAbsent: true })).toBe(false);
    expect(await s.get('i')).toBe('first');
    await sleep(80);
    expect(await s.set('i', 'third', 1000, { onlyIfAbsent: true })).toBe(true);
    await s.delete('i');
    expect(await s.set('i', 'fourth', 1000, { onlyIfAbsent: true })).toBe(true);
    expect(await s.set('i', 'forced', 1000, { onlyIfAbsent: false })).toBe(true);
    expect(await s.get('i')).toBe('forced');
    // A time to live of 0 stores nothing (and onlyIfAbsent still says whether the key is taken).
    expect(await s.set('i', 'x', 0, { onlyIfAbsent: true })).toBe(false);
    expect(await s.set('i', 'x', 0)).toBe(true);
    expect(await s.get('i')).toBeUndefined();
    expect(await s.set('i', 'x', 0, { onlyIfAbsent: true })).toBe(true);
  });

  it('lets exactly one of four racing processes set each idempotency key', async () => {
    const prefix = `idem-${randomBytes(6).toString('hex')}:`;
    const keys = 200;
    const children = [0, 1, 2, 3].map((id) =>
      spawnChild('idempotency-racer', { redisUrl: redis.url, prefix, keys, id: `p${id}` }),
    );
    await Promise.all(children.map((c) => c.next('ready')));
    for (const child of children) child.send({ type: 'go' });
    const won = (await Promise.all(children.map((c) => c.next('done')))).map((d) => d.won as string[]);
    const all = won.flat();
    expect(all).toHaveLength(keys);
    expect(new Set(all).size).toBe(keys);
    // The stored value is the winner's.
    const s = store({ prefix });
    for (const [i, keysWon] of won.entries()) {
      for (const key of keysWon.slice(0, 10)) expect(await s.get(key)).toBe(`p${i}`);
    }
  });
});

describe('redisStore connections', () => {
  it("honours a client's keyPrefix, and close() leaves a client it was given open", async () => {
    const keyPrefix = `app-${randomBytes(6).toString('hex')}:`;
    const client = new Redis(redis.url, { keyPrefix });
    try {
      const s = redisStore({ client });
      await s.putMessage(record('a', { nextPollAt: 100 }), DAY);
      await s.putMessage(record('b', { nextPollAt: 200 }), DAY);
      await s.putMessage(record('c', { nextPollAt: 300 }), DAY);
      await s.deleteMessage('b');
      expect(await s.nextDueAt('s1')).toBe(100);
      expect(ids(await s.claimDue('s1', 1000, 10))).toEqual(['a', 'c']);
      await s.putMessage(record('a', { scope: 's2', nextPollAt: 100 }), DAY);
      expect(ids(await s.claimDue('s2', 1000, 10))).toEqual(['a']);
      await s.set('k', 'v', 1000);
      const keys = await admin.keys('*');
      expect(keys.filter((k) => k.includes('parley:')).every((k) => k.startsWith(keyPrefix))).toBe(true);
      expect(await admin.keys(`${keyPrefix}*`)).toContain(`${keyPrefix}parley:kv:k`);
      await s.close();
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.disconnect();
    }
  });
});

describe('redisStore status path', () => {
  it('keeps the status contract (advanceStatus, schedule), each in one Lua script', async () => {
    await checkStoreStatusContract(store());
  });
});
