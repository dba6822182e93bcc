import { describe, expect, it } from 'vitest';
import { fakeClock } from '../test-util.js';
import { Ledger } from './ledger.js';
import { DT_STATUS } from './status.js';

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('Ledger', () => {
  it('keeps 100 000 messages in little memory, no timer per message, statuses computed on read', () => {
    const clock = fakeClock();
    const ledger = new Ledger({
      now: clock.now,
      seed: 1,
      firstId: 1000n,
      progression: { stepMs: 1000 },
      callbacks: true,
      maxRecorded: 100,
    });
    const before = process.memoryUsage().heapUsed;
    const timersBefore = timers();
    for (let i = 0; i < 100_000; i++) ledger.accept(i % 2 === 0 ? undefined : 'http://127.0.0.1:9/cb');
    // One scheduler timer however many callbacks are pending.
    expect(timers() - timersBefore).toBeLessThanOrEqual(1);
    // Columns (~1.4 MB), 50 000 callback URLs and their schedule: generously bounded.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(40 * 1024 * 1024);
    expect(ledger.store.size).toBe(100_000);
    expect(ledger.store.indexOf(100_999n)).toBe(99_999);
    expect(ledger.store.indexOf(101_000n)).toBeUndefined();
    expect(ledger.store.indexOf(999n)).toBeUndefined();
    expect(ledger.statusOf(0)).toBe(DT_STATUS.pending);
    clock.advance(10_000);
    const finals = new Map<number, number>();
    for (let i = 0; i < 100_000; i++) {
      const s = ledger.statusOf(i);
      finals.set(s, (finals.get(s) ?? 0) + 1);
    }
    // Default weights 85/5/5/5.
    expect(finals.get(DT_STATUS.seen)).toBeCloseTo(85_000, -2);
    expect(finals.get(DT_STATUS.rejected)).toBeCloseTo(5000, -2);
    expect(finals.get(DT_STATUS.failed)).toBeCloseTo(5000, -2);
    expect(finals.get(DT_STATUS.delivered)).toBeCloseTo(5000, -2);
    ledger.close();
    expect(timers()).toBe(timersBefore);
  });

  it('reset forgets messages but never reuses an id', () => {
    const ledger = new Ledger({
      now: () => 0,
      seed: 1,
      firstId: 5n,
      progression: undefined,
      callbacks: true,
      maxRecorded: 10,
    });
    expect(ledger.accept(undefined)).toBe(5n);
    ledger.reset();
    expect(ledger.store.size).toBe(0);
    expect(ledger.store.indexOf(5n)).toBeUndefined();
    expect(ledger.accept(undefined)).toBe(6n);
    ledger.close();
  });
});
