import { describe, expect, it } from 'vitest';
import { memoryLimiter } from './memory.js';
import type { RateClock } from './rate.js';

/** A clock that only moves when a sleep asks it to (sleeps run in the order they end). */
function fakeClock(): RateClock & { t: number } {
  const clock = {
    t: 1_000_000,
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.t += ms;
    },
  };
  return clock;
}

describe('rate control of the memory limiter', () => {
  it('does not pace an account that has met no throttle and has no ceiling', async () => {
    const clock = fakeClock();
    const limiter = memoryLimiter({ clock });
    for (let i = 0; i < 100; i++) await limiter.pace('acct', {});
    expect(clock.t).toBe(1_000_000);
    expect(limiter.rate('acct')?.phase ?? 'unpaced').toBe('unpaced');
  });

  it('paces at a known ceiling from the first request', async () => {
    const clock = fakeClock();
    const limiter = memoryLimiter({ clock });
    // One turn of catch-up is allowed (a late timer), no more.
    for (let i = 0; i < 12; i++) await limiter.pace('acct', { perSecond: 10 });
    expect(clock.t - 1_000_000).toBeGreaterThanOrEqual(1000);
  });

  it('slows the whole account after a throttle, and a Retry-After pauses it', async () => {
    const clock = fakeClock();
    const limiter = memoryLimiter({ clock });
    const sentAt = await limiter.pace('acct', {});
    limiter.feedback('acct', { throttled: true, sentAt, retryAfterMs: 5000 });
    expect(limiter.rate('acct')?.perSecond).toBeGreaterThan(0);
    await limiter.pace('acct', {});
    expect(clock.t - 1_000_000).toBeGreaterThanOrEqual(5000);
    // Another account is not slowed.
    const before = clock.t;
    await limiter.pace('other', {});
    expect(clock.t).toBe(before);
  });

  it('cuts the rate on a throttle and probes upwards again when they stop', async () => {
    const clock = fakeClock();
    const limiter = memoryLimiter({ clock });
    let sentAt = await limiter.pace('acct', {});
    limiter.feedback('acct', { throttled: true, sentAt });
    clock.t += 100;
    sentAt = await limiter.pace('acct', {});
    limiter.feedback('acct', { throttled: true, sentAt });
    const cut = limiter.rate('acct')?.perSecond ?? 0;
    expect(limiter.rate('acct')?.phase).toBe('steady');
    clock.t += 10_000;
    expect(limiter.rate('acct')?.perSecond ?? 0).toBeGreaterThan(cut);
    // A throttle of a request sent before the cut does not cut again.
    const again = limiter.rate('acct')?.perSecond;
    limiter.feedback('acct', { throttled: true, sentAt: sentAt - 1 });
    expect(limiter.rate('acct')?.perSecond).toBe(again);
  });

  it('forgets the rate after a minute without a throttle', async () => {
    const clock = fakeClock();
    const limiter = memoryLimiter({ clock });
    const sentAt = await limiter.pace('acct', {});
    limiter.feedback('acct', { throttled: true, sentAt });
    clock.t += 61_000;
    expect(limiter.rate('acct')?.perSecond).toBeUndefined();
  });

  it('rejects a waiter whose signal aborts with ABORTED, not sent', async () => {
    const clock = { now: () => 0, sleep: () => new Promise<void>(() => {}) };
    const limiter = memoryLimiter({ clock });
    const sentAt = await limiter.pace('acct', {});
    limiter.feedback('acct', { throttled: true, sentAt, retryAfterMs: 1000 });
    const controller = new AbortController();
    const waiting = limiter.pace('acct', { signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'ABORTED', delivery: 'not_sent' });
  });
});
