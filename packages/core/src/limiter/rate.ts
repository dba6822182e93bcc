import { abortedError } from '../errors/factories.js';

/** What a `Limiter` with rate control is told about one answered request. */
export interface RateFeedback {
  /** The provider refused it for its rate (a 429 or a throttling code). */
  readonly throttled: boolean;
  /** The provider's `Retry-After` (ms): the whole account pauses this long. */
  readonly retryAfterMs?: number;
  /** When the request was sent (the limiter's clock, as `pace` returned it). */
  readonly sentAt: number;
}

/** A clock for the rate control; injected by tests. */
export interface RateClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The rate state of one account, for tests and metrics. */
export interface RateState {
  /** Requests per second it paces at, or `undefined` while it does not pace. */
  readonly perSecond: number | undefined;
  /** Until when (clock ms) the account is paused by a `Retry-After`. */
  readonly pausedUntil: number;
  /** `probe` until the first cut after a throttle (rate doubles), then `steady` (additive increase). */
  readonly phase: 'unpaced' | 'probe' | 'steady';
}

export const RATE_TUNING = {
  /** After a cut the rate heads back to this share of the rate that was refused. */
  below: 0.98,
  /** A cut keeps this share of the rate. */
  decrease: 0.9,
  /** In the steady phase, after `quietMs` without a throttle, the rate grows by this share every 250 ms. */
  increase: 0.02,
  /** How long the steady phase stays at the rate of the last throttle before it probes past it (ms). */
  quietMs: 2_000,
  /** In the probe phase the rate doubles this often (ms). */
  probeDoublingMs: 250,
  /** The lowest rate it ever paces at (requests per second). */
  minPerSecond: 0.5,
  /** The first estimate is never below this (requests per second): the probe finds the rest. */
  firstPerSecond: 10,
  /** An account with no throttle for this long forgets its rate (ms): no pacing until the next one. */
  forgetAfterMs: 60_000,
  /** The window in which accepted requests are counted to estimate the server's rate (ms). */
  windowMs: 1_000,
} as const;

const BUCKETS = 10;

interface PaceWaiter {
  readonly resolve: (sentAt: number) => void;
  readonly reject: (error: unknown) => void;
  readonly ceiling: number | undefined;
  readonly signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

interface Account {
  /** Callers waiting for their turn, oldest first, and whether a timer will release the next. */
  queue: PaceWaiter[];
  timer: boolean;
  /** Rate at the last change, and when it was made. `undefined`: not paced. */
  base: number | undefined;
  changedAt: number;
  phase: 'probe' | 'steady';
  /** The rate at the last cut (where the server refused). */
  wmax: number;
  lastThrottleAt: number;
  /** Requests sent before this time were sent at an older rate: their throttles do not cut again. */
  cutAt: number;
  /** When the next paced request may go (a GCRA schedule). */
  next: number;
  pausedUntil: number;
  /** Accepted requests per window bucket (ring), and the time of the first one counted. */
  accepted: number[];
  bucketAt: number;
  firstAt: number | undefined;
}

const defaultClock: RateClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortedError('not_sent', signal.reason));
      const onAbort = () => {
        clearTimeout(timer);
        reject(abortedError('not_sent', signal?.reason));
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/**
 * Per-account rates that learn the server's limit: no pacing until an account's first throttle
 * (unless a ceiling is given), then a rate estimated from what the server accepted in the last
 * second, doubled every 250 ms until the next throttle (probe), then AIMD: −10 % on a throttle of
 * a request sent at the current rate; without one, back towards the rate of the last throttle
 * (to 98 % of it, half the gap every 250 ms), and after 2 quiet seconds past it by +2 % every 250 ms. A `Retry-After` pauses the whole
 * account.
 */
export class RateControl {
  private readonly accounts = new Map<string, Account>();

  constructor(private readonly clock: RateClock = defaultClock) {}

  now(): number {
    return this.clock.now();
  }

  private account(key: string): Account {
    let a = this.accounts.get(key);
    if (a === undefined) {
      a = {
        queue: [],
        timer: false,
        base: undefined,
        changedAt: 0,
        phase: 'probe',
        wmax: 0,
        lastThrottleAt: 0,
        cutAt: Number.NEGATIVE_INFINITY,
        next: 0,
        pausedUntil: 0,
        accepted: new Array<number>(BUCKETS).fill(0),
        bucketAt: 0,
        firstAt: undefined,
      };
      this.accounts.set(key, a);
    }
    return a;
  }

  /** The learned rate of `a` at `now`, or `undefined` when it does not pace. */
  private rate(a: Account, now: number): number | undefined {
    if (a.base === undefined) return undefined;
    if (now - a.lastThrottleAt > RATE_TUNING.forgetAfterMs) {
      a.base = undefined;
      return undefined;
    }
    const seconds = Math.max(0, now - a.changedAt) / 1000;
    const halvings = (seconds * 1000) / RATE_TUNING.probeDoublingMs;
    if (a.phase === 'probe') return a.base * 2 ** halvings;
    // Back quickly towards the rate of the last throttle (half the gap every 250 ms), and past it slowly.
    const back = a.wmax - (a.wmax - a.base) * 2 ** -halvings;
    const quiet = Math.max(0, seconds * 1000 - RATE_TUNING.quietMs);
    return Math.max(back, a.wmax * (1 + RATE_TUNING.increase) ** (quiet / RATE_TUNING.probeDoublingMs));
  }

  private effective(a: Account, now: number, ceiling: number | undefined): number | undefined {
    const learned = this.rate(a, now);
    if (learned === undefined) return ceiling;
    return ceiling === undefined ? learned : Math.min(learned, ceiling);
  }

  /**
   * Waits until `key` may send one more request; resolves with the send time (this clock).
   * Waiters are released in arrival order by one timer per account, at the rate of the moment.
   */
  pace(key: string, options: { perSecond?: number; signal?: AbortSignal } = {}): Promise<number> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortedError('not_sent', signal.reason));
    const a = this.account(key);
    const now = this.clock.now();
    if (a.queue.length === 0 && this.take(a, now, options.perSecond)) return Promise.resolve(now);
    return new Promise<number>((resolve, reject) => {
      const waiter: PaceWaiter = { resolve, reject, ceiling: options.perSecond, signal, onAbort: undefined };
      if (signal) {
        waiter.onAbort = () => {
          const at = a.queue.indexOf(waiter);
          if (at >= 0) a.queue.splice(at, 1);
          reject(abortedError('not_sent', signal.reason));
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      a.queue.push(waiter);
      this.pump(a);
    });
  }

  /** Takes the account's next turn if it is due at `now`. */
  private take(a: Account, now: number, ceiling: number | undefined): boolean {
    if (a.pausedUntil > now) return false;
    const rate = this.effective(a, now, ceiling);
    if (rate === undefined) return true;
    if (a.next > now) return false;
    const interval = 1000 / rate;
    // A timer that fired late may catch up one turn, no more (no burst after an idle spell).
    a.next = Math.max(a.next, now - interval) + interval;
    return true;
  }

  /** Releases the waiters whose turn has come, and sets one timer for the next. */
  private pump(a: Account): void {
    if (a.timer) return;
    for (;;) {
      const head = a.queue[0];
      if (head === undefined) return;
      const now = this.clock.now();
      if (this.take(a, now, head.ceiling)) {
        a.queue.shift();
        if (head.onAbort) head.signal?.removeEventListener('abort', head.onAbort);
        head.resolve(now);
        continue;
      }
      const rate = this.effective(a, now, head.ceiling);
      const due = Math.max(a.pausedUntil, rate === undefined ? now : a.next);
      a.timer = true;
      void this.clock.sleep(Math.max(1, due - now)).then(() => {
        a.timer = false;
        this.pump(a);
      });
      return;
    }
  }

  /** Tells the rate of `key` how a request sent at `sentAt` was answered. */
  feedback(key: string, feedback: RateFeedback): void {
    const a = this.account(key);
    const now = this.clock.now();
    if (!feedback.throttled) {
      this.count(a, now);
      return;
    }
    if (feedback.retryAfterMs !== undefined && feedback.retryAfterMs > 0) {
      a.pausedUntil = Math.max(a.pausedUntil, now + feedback.retryAfterMs);
    }
    const current = this.rate(a, now);
    a.lastThrottleAt = now;
    if (current === undefined) {
      // First throttle: start from what the server accepted lately.
      a.wmax = 0;
      a.base = Math.max(RATE_TUNING.firstPerSecond, this.acceptedRate(a, now));
      a.phase = 'probe';
    } else {
      if (feedback.sentAt < a.cutAt) return;
      const cut = current * RATE_TUNING.decrease;
      a.wmax = current * RATE_TUNING.below;
      a.base =
        a.phase === 'probe'
          ? Math.max(RATE_TUNING.minPerSecond, Math.min(cut, Math.max(current / 2, this.acceptedRate(a, now))))
          : Math.max(RATE_TUNING.minPerSecond, cut);
      a.phase = 'steady';
    }
    a.changedAt = now;
    a.cutAt = now;
    a.next = Math.max(a.next, now);
  }

  /** The state of `key`, or `undefined` when it has none. */
  inspect(key: string): RateState | undefined {
    const a = this.accounts.get(key);
    if (a === undefined) return undefined;
    const perSecond = this.rate(a, this.clock.now());
    return { perSecond, pausedUntil: a.pausedUntil, phase: perSecond === undefined ? 'unpaced' : a.phase };
  }

  private count(a: Account, now: number): void {
    this.roll(a, now);
    a.firstAt ??= now;
    const size = RATE_TUNING.windowMs / BUCKETS;
    a.accepted[Math.floor(now / size) % BUCKETS] = (a.accepted[Math.floor(now / size) % BUCKETS] ?? 0) + 1;
  }

  /** Clears the buckets that fell out of the window since the last count. */
  private roll(a: Account, now: number): void {
    const size = RATE_TUNING.windowMs / BUCKETS;
    const current = Math.floor(now / size);
    const last = Math.floor(a.bucketAt / size);
    for (let b = Math.max(last + 1, current - BUCKETS + 1); b <= current; b++) a.accepted[b % BUCKETS] = 0;
    if (current > last || a.bucketAt === 0) a.bucketAt = now;
  }

  /** Accepted requests per second over the last window (over its elapsed part when younger). */
  private acceptedRate(a: Account, now: number): number {
    this.roll(a, now);
    const total = a.accepted.reduce((s, n) => s + n, 0);
    const span = Math.min(RATE_TUNING.windowMs, Math.max(100, now - (a.firstAt ?? now)));
    return (total * 1000) / span;
  }
}
