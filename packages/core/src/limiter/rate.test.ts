import { describe, expect, it } from 'vitest';
import { memoryLimiter } from './memory.js';
import { learnedRate, newRateState, RATE_TUNING, type RateClock, rateFeedback, rateReserve, rateTake } from './rate.js';

const T0 = 1_000_000;

/** A clock that only moves when the limiter sleeps (its one timer per account). */
function steppingClock(): RateClock & { t: number } {
  const clock = {
    t: T0,
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.t += ms;
    },
  };
  return clock;
}

/** A clock that moves only by hand: sleeps wait for `advance`. */
function manualClock(): RateClock & { t: number; advance(ms: number): Promise<void> } {
  let sleepers: { at: number; wake: () => void }[] = [];
  const clock = {
    t: T0,
    now: () => clock.t,
    sleep: (ms: number) => new Promise<void>((wake) => sleepers.push({ at: clock.t + ms, wake })),
    async advance(ms: number) {
      clock.t += ms;
      const due = sleepers.filter((s) => s.at <= clock.t);
      sleepers = sleepers.filter((s) => s.at > clock.t);
      for (const s of due) s.wake();
      for (let i = 0; i < 10; i++) await Promise.resolve();
    },
  };
  return clock;
}

/** A server's token bucket (R per second, burst B) on the test's clock. */
function tokenBucket(rate: number, burst: number, now: () => number) {
  let tokens = burst;
  let at = now();
  return () => {
    tokens = Math.min(burst, tokens + ((now() - at) * rate) / 1000);
    at = now();
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
}

describe('rate control: the state machine (rateTake, rateFeedback)', () => {
  it('learns a token bucket server’s rate from the throttles, and paces just under it', () => {
    const s = newRateState();
    let now = T0;
    const serve = tokenBucket(200, 10, () => now);
    const inFlight: { sentAt: number; progress: number; ok: boolean; answerAt: number }[] = [];
    let accepted = 0;
    let refused = 0;
    // 64 callers that always want to send, 1 ms answers, for 10 virtual seconds.
    for (; now < T0 + 10_000; now += 0.25) {
      for (const r of inFlight.filter((r) => r.answerAt <= now)) {
        inFlight.splice(inFlight.indexOf(r), 1);
        rateFeedback(s, now, { throttled: !r.ok, sentAt: r.sentAt, progress: r.progress });
      }
      while (inFlight.length < 64 && rateTake(s, now) === 0) {
        const ok = serve();
        if (ok) accepted++;
        else refused++;
        inFlight.push({ sentAt: now, progress: s.ok, ok, answerAt: now + 1 });
      }
    }
    expect(s.measured).toBe(1);
    expect(learnedRate(s, now)).toBeGreaterThan(190);
    expect(learnedRate(s, now)).toBeLessThan(210);
    expect(accepted).toBeGreaterThan(0.97 * 2000);
    expect(refused / (accepted + refused)).toBeLessThan(0.02);
  });

  it('ignores a throttle of a request sent before the last change of the rate', () => {
    const s = newRateState();
    expect(rateTake(s, T0)).toBe(0);
    expect(rateTake(s, T0)).toBe(0);
    rateFeedback(s, T0 + 5, { throttled: true, sentAt: T0, progress: 0 });
    const rate = learnedRate(s, T0 + 5);
    expect(rate).toBeGreaterThan(0);
    rateFeedback(s, T0 + 6, { throttled: true, sentAt: T0, progress: 0 });
    expect(learnedRate(s, T0 + 6)).toBe(rate);
    // One sent after it is news: the rate is cut.
    rateFeedback(s, T0 + 7, { throttled: true, sentAt: T0 + 5, progress: 0 });
    expect(learnedRate(s, T0 + 7)).toBeLessThan(rate);
  });

  it('calls a throttle the rate’s only when other requests of the account were accepted meanwhile', () => {
    const s = newRateState();
    for (let i = 0; i < 3; i++) rateTake(s, T0);
    rateFeedback(s, T0 + 1, { throttled: false, sentAt: T0, progress: 0 });
    // Sent when ok was 0, and one was accepted since: the rate's.
    expect(rateFeedback(s, T0 + 2, { throttled: true, sentAt: T0, progress: 0 })).toBe(true);
    // Nothing accepted since this one began to wait: a throttle like any failure.
    expect(rateFeedback(s, T0 + 3, { throttled: true, sentAt: T0, progress: 1 })).toBe(false);
    expect(rateFeedback(s, T0 + 3, { throttled: false, sentAt: T0, progress: 1 })).toBe(false);
  });

  it('reserves a paced turn due within aheadMs for its time, and nothing beyond it or in a pause', () => {
    const s = newRateState();
    // 10/s: one turn every 100 ms (the first two at once: one turn of catch-up).
    expect(rateTake(s, T0, 10)).toBe(0);
    expect(rateTake(s, T0, 10)).toBe(0);
    expect(rateTake(s, T0, 10)).toBe(100);
    expect(rateReserve(s, T0, 50, 10)).toBeUndefined();
    expect(rateReserve(s, T0 + 60, 50, 10)).toBe(T0 + 100);
    // The next one is due at T0 + 200: too far from T0 + 60.
    expect(rateReserve(s, T0 + 60, 50, 10)).toBeUndefined();
    s.pausedUntil = T0 + 1_000;
    expect(rateReserve(s, T0 + 190, 50, 10)).toBeUndefined();
  });

  it('holds requests past the slow start’s window until answers come', () => {
    const s = newRateState();
    for (let i = 0; i < RATE_TUNING.startWindow; i++) expect(rateTake(s, T0)).toBe(0);
    expect(rateTake(s, T0)).toBe(-1);
    rateFeedback(s, T0 + 1, { throttled: false, sentAt: T0, progress: 0 });
    // One answer: itself and two more may go.
    for (let i = 0; i < 3; i++) expect(rateTake(s, T0 + 1)).toBe(0);
    expect(rateTake(s, T0 + 1)).toBe(-1);
  });
});

describe('rate control of the memory limiter', () => {
  it('does not pace an account that has met no throttle and has no ceiling', async () => {
    const clock = steppingClock();
    const limiter = memoryLimiter({ clock });
    for (let i = 0; i < 1000; i++) {
      const turn = await limiter.pace('acct', {});
      limiter.feedback('acct', { throttled: false, ...turn });
    }
    expect(clock.t).toBe(T0);
    expect(limiter.rate('acct')?.perSecond).toBe(0);
  });

  it('paces at a known ceiling from the first request', async () => {
    const clock = steppingClock();
    const limiter = memoryLimiter({ clock });
    for (let i = 0; i < 21; i++) await limiter.pace('acct', { perSecond: 10 });
    // 21 requests at 10/s span 2 s (one turn of catch-up for a late timer at most).
    expect(clock.t - T0).toBeGreaterThanOrEqual(1_900);
    expect(clock.t - T0).toBeLessThanOrEqual(2_000);
  });

  it('honours the ceiling when the learned rate is higher', async () => {
    const clock = steppingClock();
    const limiter = memoryLimiter({ clock });
    const turn = await limiter.pace('acct', { perSecond: 5 });
    limiter.feedback('acct', { throttled: true, ...turn });
    expect(limiter.rate('acct')?.perSecond).toBeGreaterThan(5);
    const start = clock.t;
    for (let i = 0; i < 10; i++) await limiter.pace('acct', { perSecond: 5 });
    expect(clock.t - start).toBeGreaterThanOrEqual(1_600);
  });

  it('a throttle slows every waiting send of the account, not only the refused one', async () => {
    const clock = manualClock();
    const limiter = memoryLimiter({ clock });
    const first = await limiter.pace('acct', {});
    const waiting = Array.from({ length: 5 }, () => limiter.pace('acct', {}));
    // All five went at once: the account was not paced.
    const turns = await Promise.all(waiting);
    expect(turns.every((t) => t.sentAt === T0)).toBe(true);
    limiter.feedback('acct', { throttled: true, ...first });
    const rate = limiter.rate('acct')?.perSecond ?? 0;
    expect(rate).toBeGreaterThan(0);
    const later = Array.from({ length: 3 }, () => limiter.pace('acct', {}));
    let settled = 0;
    for (const l of later) void l.then(() => settled++);
    await clock.advance(0);
    // The first goes at once (its turn is due), the others wait a turn each.
    expect(settled).toBe(1);
    await clock.advance(Math.ceil(1000 / rate));
    expect(settled).toBe(2);
    await clock.advance(Math.ceil(1000 / rate));
    expect(settled).toBe(3);
  });

  it('a Retry-After pauses the whole account (not another one)', async () => {
    const clock = steppingClock();
    const limiter = memoryLimiter({ clock });
    const turn = await limiter.pace('acct', {});
    limiter.feedback('acct', { throttled: true, ...turn, retryAfterMs: 5000 });
    await limiter.pace('acct', {});
    expect(clock.t - T0).toBeGreaterThanOrEqual(5000);
    const before = clock.t;
    await limiter.pace('other', {});
    expect(clock.t).toBe(before);
  });

  it('probes upwards when the throttles stop', async () => {
    const clock = steppingClock();
    const limiter = memoryLimiter({ clock });
    const turn = await limiter.pace('acct', {});
    limiter.feedback('acct', { throttled: true, ...turn });
    const engaged = limiter.rate('acct')?.perSecond ?? 0;
    clock.t += 1_000;
    const later = limiter.rate('acct')?.perSecond ?? 0;
    expect(later).toBeGreaterThan(engaged * 2);
  });

  it('forgets the rate after a minute without a throttle', async () => {
    const clock = steppingClock();
    const limiter = memoryLimiter({ clock });
    const turn = await limiter.pace('acct', {});
    limiter.feedback('acct', { throttled: true, ...turn });
    expect(limiter.rate('acct')?.perSecond).toBeGreaterThan(0);
    clock.t += RATE_TUNING.forgetAfterMs + 1;
    expect(limiter.rate('acct')?.perSecond).toBe(0);
  });

  it('rejects a waiter whose signal aborts with ABORTED, not sent, and lets the next one go', async () => {
    const clock = manualClock();
    const limiter = memoryLimiter({ clock });
    const turn = await limiter.pace('acct', {});
    limiter.feedback('acct', { throttled: true, ...turn, retryAfterMs: 1000 });
    const controller = new AbortController();
    const aborted = limiter.pace('acct', { signal: controller.signal });
    const next = limiter.pace('acct', {});
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'ABORTED', delivery: 'not_sent' });
    await clock.advance(1000);
    await expect(next).resolves.toMatchObject({ sentAt: T0 + 1000 });
    await expect(limiter.pace('acct', { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ABORTED' });
  });
});
