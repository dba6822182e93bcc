import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DeliveryStatus, isFinalStatus, isStatusAdvance } from '../status.js';
import { memoryStore } from './memory.js';
import type { MessageRecord, PollSchedule, StatusAdvance } from './types.js';

const DAY = 86_400_000;

/**
 * The memory store keeps messages column by column (typed arrays, slots reused, an indexed heap
 * per scope). These tests hold it to a plain reference model: one object per message, every
 * query answered by a scan.
 */
interface ModelEntry {
  record: MessageRecord;
  expiry: number;
  scheduled: boolean;
}

function model(now: () => number) {
  const entries = new Map<string, ModelEntry>();
  const live = (id: string) => {
    const e = entries.get(id);
    if (e === undefined) return undefined;
    if (e.expiry > now()) return e;
    entries.delete(id);
    return undefined;
  };
  const copy = (r: MessageRecord): MessageRecord => ({ ...r });
  const unschedule = (r: Record<string, unknown>) => {
    delete r.nextPollAt;
    delete r.intervalMs;
    delete r.failures;
  };
  const due = (scope: string) =>
    [...entries.entries()]
      .filter(([id, e]) => e.scheduled && e.record.scope === scope && live(id) !== undefined)
      .sort((a, b) => a[1].record.nextPollAt! - b[1].record.nextPollAt!);
  return {
    put(r: MessageRecord, ttlMs: number) {
      const record = copy(r);
      if (ttlMs <= 0) entries.delete(r.id);
      else entries.set(r.id, { record, expiry: now() + ttlMs, scheduled: r.nextPollAt !== undefined });
    },
    get: (id: string) => {
      const e = live(id);
      return e === undefined ? undefined : copy(e.record);
    },
    advance(id: string, advance: StatusAdvance) {
      let e = live(id);
      let created = false;
      if (e === undefined) {
        if (advance.create === undefined) return { created: false, advanced: false, status: undefined, at: advance.at };
        const record = { ...advance.create, status: 'accepted' as DeliveryStatus, statusAt: advance.create.acceptedAt };
        const scheduled = record.nextPollAt !== undefined;
        if (!scheduled) unschedule(record);
        e = { record, expiry: now() + Math.max(1, advance.ttlMs ?? 1), scheduled };
        entries.set(id, e);
        created = true;
      } else if (advance.create !== undefined) {
        const r = e.record as { -readonly [K in keyof MessageRecord]: MessageRecord[K] };
        const c = advance.create;
        if (r.providerMessageId === undefined && c.providerMessageId !== undefined)
          r.providerMessageId = c.providerMessageId;
        if (!isFinalStatus(r.status) && r.nextPollAt === undefined && c.nextPollAt !== undefined) {
          r.nextPollAt = c.nextPollAt;
          if (c.intervalMs !== undefined) r.intervalMs = c.intervalMs;
          e.scheduled = true;
        }
      }
      const r = e.record;
      const since = r.statusAt ?? r.acceptedAt;
      if (advance.status === 'accepted' || !isStatusAdvance(r.status, advance.status)) {
        return { created, advanced: created, status: r.status, at: since };
      }
      const at = Math.max(advance.at, since + 1);
      r.status = advance.status;
      r.statusAt = at;
      if (isFinalStatus(r.status)) {
        unschedule(r as unknown as Record<string, unknown>);
        e.scheduled = false;
      }
      return { created, advanced: true, status: r.status, at };
    },
    schedule(id: string, next: PollSchedule | undefined) {
      const e = live(id);
      if (e === undefined) return false;
      unschedule(e.record as unknown as Record<string, unknown>);
      e.scheduled = false;
      if (next === undefined || isFinalStatus(e.record.status)) return false;
      Object.assign(e.record, next);
      e.scheduled = true;
      return true;
    },
    delete(id: string) {
      entries.delete(id);
    },
    claim(scope: string, at: number, limit: number) {
      const taken = due(scope)
        .filter(([, e]) => e.record.nextPollAt! <= at)
        .slice(0, Math.max(0, limit));
      for (const [, e] of taken) e.scheduled = false;
      return taken.map(([, e]) => copy(e.record));
    },
    nextDue: (scope: string) => due(scope)[0]?.[1].record.nextPollAt,
  };
}

const IDS = Array.from({ length: 16 }, (_, i) => `m${i}`);
const SCOPES = ['s1', 's2'];
const STATUSES: DeliveryStatus[] = ['accepted', 'pending', 'sent', 'delivered', 'read', 'failed', 'unknown'];
const PROVIDER_IDS = [undefined, '42', '007', '1e3', ' 7', '-1', '4294967296', '99999999999999999999', 'wamid.X'];

type Op =
  | {
      op: 'put';
      id: string;
      scope: string;
      status: DeliveryStatus;
      pm: string | undefined;
      poll: boolean;
      failures: number | undefined;
      ttl: number;
    }
  | {
      op: 'advance';
      id: string;
      scope: string;
      status: DeliveryStatus;
      create: boolean;
      pm: string | undefined;
      poll: boolean;
    }
  | { op: 'schedule'; id: string; poll: boolean }
  | { op: 'delete'; id: string }
  | { op: 'claim'; scope: string; ahead: number; limit: number }
  | { op: 'get'; id: string }
  | { op: 'nextDue'; scope: string }
  | { op: 'tick'; ms: number };

const id = fc.constantFrom(...IDS);
const scope = fc.constantFrom(...SCOPES);
const status = fc.constantFrom(...STATUSES);
const pm = fc.constantFrom(...PROVIDER_IDS);
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant('put' as const),
    id,
    scope,
    status,
    pm,
    poll: fc.boolean(),
    failures: fc.option(fc.nat(5), { nil: undefined }),
    ttl: fc.constantFrom(0, 500, 5_000, DAY),
  }),
  fc.record({ op: fc.constant('advance' as const), id, scope, status, create: fc.boolean(), pm, poll: fc.boolean() }),
  fc.record({ op: fc.constant('schedule' as const), id, poll: fc.boolean() }),
  fc.record({ op: fc.constant('delete' as const), id }),
  fc.record({
    op: fc.constant('claim' as const),
    scope,
    ahead: fc.integer({ min: -500, max: 20_000 }),
    limit: fc.nat(4),
  }),
  fc.record({ op: fc.constant('get' as const), id }),
  fc.record({ op: fc.constant('nextDue' as const), scope }),
  fc.record({ op: fc.constant('tick' as const), ms: fc.constantFrom(1, 100, 1_000, 6_000) }),
);

describe('memoryStore against a reference model', () => {
  it('answers every sequence of operations as one object per message would', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 150 }), async (ops) => {
        let t = 1_000_000;
        const now = () => t;
        const store = memoryStore({ now });
        const ref = model(now);
        // Every poll time is distinct, so "earliest first" has one answer.
        let serial = 0;
        const pollAt = () => t + 1_000 + (serial++ % 7) * 1_000 + serial / 1_000;
        for (const o of ops) {
          switch (o.op) {
            case 'put': {
              const r: MessageRecord = {
                id: o.id,
                scope: o.scope,
                status: o.status,
                acceptedAt: t,
                ...(o.pm !== undefined ? { providerMessageId: o.pm } : {}),
                ...(o.poll ? { nextPollAt: pollAt(), intervalMs: 2_000 } : {}),
                ...(o.failures !== undefined ? { failures: o.failures } : {}),
              };
              await store.putMessage(r, o.ttl);
              ref.put(r, o.ttl);
              break;
            }
            case 'advance': {
              const advance: StatusAdvance = {
                status: o.status,
                at: t,
                ...(o.create
                  ? {
                      create: {
                        id: o.id,
                        scope: o.scope,
                        status: 'accepted',
                        acceptedAt: t,
                        ...(o.pm !== undefined ? { providerMessageId: o.pm } : {}),
                        ...(o.poll ? { nextPollAt: pollAt(), intervalMs: 1_000 } : {}),
                      },
                      ttlMs: DAY,
                    }
                  : {}),
              };
              expect(await store.advanceStatus(o.id, advance)).toStrictEqual(ref.advance(o.id, advance));
              break;
            }
            case 'schedule': {
              const next = o.poll ? { nextPollAt: pollAt(), intervalMs: 4_000, failures: 1 } : undefined;
              expect(await store.schedule(o.id, next)).toBe(ref.schedule(o.id, next));
              break;
            }
            case 'delete':
              await store.deleteMessage(o.id);
              ref.delete(o.id);
              break;
            case 'claim':
              expect(await store.claimDue(o.scope, t + o.ahead, o.limit)).toStrictEqual(
                ref.claim(o.scope, t + o.ahead, o.limit),
              );
              break;
            case 'get':
              expect(await store.getMessage(o.id)).toStrictEqual(ref.get(o.id));
              break;
            case 'nextDue':
              expect(await store.nextDueAt(o.scope)).toBe(ref.nextDue(o.scope));
              break;
            case 'tick':
              t += o.ms;
              break;
          }
        }
        for (const i of IDS) expect(await store.getMessage(i)).toStrictEqual(ref.get(i));
        for (const s of SCOPES) expect(await store.nextDueAt(s)).toBe(ref.nextDue(s));
      }),
      { numRuns: 300 },
    );
  });
});

describe('memoryStore layout', () => {
  it('gives back every provider id as the same string, numeric-looking or not', async () => {
    const store = memoryStore();
    const pmIds = ['0', '1000', '1073741823', '1073741824', '007', '1e3', ' 7', '7 ', '-1', '1.5', '', 'wamid.HBg'];
    for (const [i, p] of pmIds.entries()) {
      await store.putMessage({ id: `m${i}`, scope: 's', status: 'accepted', acceptedAt: 1, providerMessageId: p }, DAY);
    }
    for (const [i, p] of pmIds.entries()) expect((await store.getMessage(`m${i}`))?.providerMessageId).toBe(p);
  });

  it('a slot freed and reused carries nothing of the message it held', async () => {
    const store = memoryStore();
    const full: MessageRecord = {
      id: 'old',
      scope: 's1',
      status: 'delivered',
      statusAt: 5,
      acceptedAt: 1,
      providerMessageId: '9',
      nextPollAt: 10,
      intervalMs: 20,
      failures: 2,
    };
    await store.putMessage(full, DAY);
    await store.deleteMessage('old');
    await store.putMessage({ id: 'new', scope: 's2', status: 'accepted', acceptedAt: 2 }, DAY);
    expect(await store.getMessage('new')).toStrictEqual({ id: 'new', scope: 's2', status: 'accepted', acceptedAt: 2 });
    expect(await store.nextDueAt('s1')).toBeUndefined();
    expect(await store.claimDue('s1', 1_000, 10)).toEqual([]);
  });

  it('keeps many messages in order through growth, reuse and heap shrinking', async () => {
    const store = memoryStore();
    const n = 5_000; // several doublings of the columns and of the heap
    for (let i = 0; i < n; i++) {
      await store.putMessage(
        { id: `m${i}`, scope: 's', status: 'accepted', acceptedAt: 1, nextPollAt: ((i * 7919) % n) + 1 },
        DAY,
      );
    }
    // Half of them go away: their slots are reused by as many new messages.
    for (let i = 0; i < n; i += 2) await store.deleteMessage(`m${i}`);
    for (let i = 0; i < n / 2; i++) {
      await store.putMessage(
        { id: `n${i}`, scope: 's', status: 'accepted', acceptedAt: 1, nextPollAt: n + i + 1 },
        DAY,
      );
    }
    const claimed = await store.claimDue('s', 10 * n, 10 * n);
    expect(claimed).toHaveLength(n);
    const ats = claimed.map((r) => r.nextPollAt!);
    expect(ats).toEqual([...ats].sort((x, y) => x - y));
    expect(new Set(claimed.map((r) => r.id)).size).toBe(n);
    expect(await store.nextDueAt('s')).toBeUndefined();
    // Still all readable while leased.
    expect((await store.getMessage('m1'))?.nextPollAt).toBe((7919 % n) + 1);
  });

  it('close() then use again starts from empty columns', async () => {
    const store = memoryStore();
    for (let i = 0; i < 2_000; i++)
      await store.putMessage({ id: `m${i}`, scope: 's', status: 'accepted', acceptedAt: 1 }, DAY);
    await store.close();
    for (let i = 0; i < 2_000; i++) {
      await store.putMessage({ id: `k${i}`, scope: 's', status: 'sent', acceptedAt: 3, nextPollAt: i }, DAY);
    }
    expect(await store.getMessage('m5')).toBeUndefined();
    expect((await store.getMessage('k5'))?.status).toBe('sent');
    expect(await store.nextDueAt('s')).toBe(0);
  });
});
