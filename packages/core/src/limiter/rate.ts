/**
 * Account-wide rate control as a pure state machine: `rateTake` (may a request go now?) and
 * `rateFeedback` (how was one answered?) read and update a `RateState` at a given time. The
 * memory limiter runs them in this process; `@parley/redis` runs a line-by-line Lua port of them
 * (its `PACE` and `FEEDBACK` scripts) on a hash per account, so every process shares one rate and
 * one schedule. Change both together.
 *
 * The algorithm is a token bucket that learns the server's rate:
 * - An account that has met no throttle is not paced, except for a slow start (at most
 *   `startWindow + 2 × answered` requests on the wire before `startAnswers` answers came back),
 *   so a burst of thousands of sends does not hit a rate-limited server all at once.
 * - On its first throttle it paces at a first guess and halves it on each throttle of a request
 *   sent after the last change, and doubles it every `probeDoublingMs` while none comes.
 * - A throttled server is saturated: its bucket is empty. So the requests accepted between two
 *   throttles at least `windowMs` apart, divided by the time between them, are its rate (a
 *   token bucket refills at its rate, and nothing else was accepted). The account then paces at
 *   `below` × that estimate (a GCRA schedule), grows it by `probePerSecond` per second while no
 *   throttle comes, and measures again on the next one.
 * - Throttles of requests sent before the last change (`cutAt`) say nothing new and are ignored.
 * - A `Retry-After` pauses the whole account. A rate with no throttle for `forgetAfterMs` is forgotten.
 */

/** What `Limiter.pace` resolves with: the turn a request was given. */
export interface RateTurn {
  /** When the request was let go (the limiter's clock). */
  readonly sentAt: number;
  /** The account's answers that were not throttles when the caller began to wait (`RateState.ok`). */
  readonly progress: number;
  /** How long it waited for its turn (ms, the limiter's clock); 0 when it went at once. */
  readonly waitedMs: number;
}

/** What a `Limiter` with rate control is told about one request it let go: its turn, and how it was answered. */
export interface RateFeedback extends Omit<RateTurn, 'waitedMs'> {
  /** The provider refused it for its rate (a 429 or a throttling code). */
  readonly throttled: boolean;
  /** The provider's `Retry-After` (ms): the whole account pauses this long. */
  readonly retryAfterMs?: number;
}

/** A clock for the rate control; injected by tests. */
export interface RateClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** The rate control state of one account. Times are ms on one clock (the limiter's). */
export interface RateState {
  /** Requests per second at `rateAt`, before probing; 0 while the account is not paced. */
  rate: number;
  rateAt: number;
  /** 1 once `rate` was measured, 0 before (while it looks for the server's rate). */
  measured: number;
  /** GCRA: the earliest time the next paced request may go. */
  next: number;
  /** Until when a `Retry-After` pauses the account. */
  pausedUntil: number;
  /** When the rate last changed: throttles of requests sent before it are not news. */
  cutAt: number;
  /** The throttle the next measurement counts from, and `ok` and `refused` at that moment. */
  refAt: number;
  refOk: number;
  refRefused: number;
  /** Requests let go, answers of any kind, answers that were not throttles, and throttles. */
  sent: number;
  answered: number;
  ok: number;
  refused: number;
  /** When the first request was let go, and when the last throttle (of any request) came. */
  startAt: number;
  throttledAt: number;
}

export const RATE_TUNING = {
  /** Slow start: requests on the wire before the first answer (then 2 more per answer). */
  startWindow: 16,
  /** Slow start ends for good after this many answers without a throttle. */
  startAnswers: 256,
  /** The first guess is never below this (requests per second). */
  firstPerSecond: 10,
  /** Throttles at most this far apart (ms) are one stretch, in which the server's bucket stays empty. */
  gapMs: 50,
  /** The first measurement counts over a stretch of throttles at least this long (ms). */
  firstWindowMs: 100,
  /** Later measurements count over at least this long (ms) since the last one. */
  windowMs: 250,
  /** Pace at this share of the measured rate. */
  below: 0.985,
  /** A new measurement is never below this share of the rate that was just refused. */
  floor: 0.97,
  /** While measured, the rate grows by this share per second, and this share per second² (ms since the last measurement). */
  probePerSecond: 0.01,
  probePerSecond2: 0.005,
  /** Before the first measurement, the rate doubles this often once no throttle came for `gapMs`. */
  probeDoublingMs: 250,
  /** Before the first measurement, a throttle in a stretch where most requests were refused keeps this share. */
  cut: 0.5,
  /** The lowest rate it paces at (requests per second). */
  minPerSecond: 0.5,
  /** An account with no throttle for this long forgets its rate (ms). */
  forgetAfterMs: 60_000,
} as const;

export function newRateState(): RateState {
  return {
    rate: 0,
    rateAt: 0,
    measured: 0,
    next: 0,
    pausedUntil: 0,
    cutAt: 0,
    refAt: 0,
    refOk: 0,
    refRefused: 0,
    sent: 0,
    answered: 0,
    ok: 0,
    refused: 0,
    startAt: 0,
    throttledAt: 0,
  };
}

/** The learned rate at `now` (requests per second, probing included), or 0 when there is none. */
export function learnedRate(s: RateState, now: number): number {
  if (s.rate === 0) return 0;
  if (now - s.throttledAt > RATE_TUNING.forgetAfterMs) {
    Object.assign(s, newRateState(), { pausedUntil: s.pausedUntil });
    return 0;
  }
  const T = RATE_TUNING;
  if (s.measured === 1) {
    const t = Math.max(0, now - s.rateAt) / 1000;
    return s.rate * (1 + T.probePerSecond * t + T.probePerSecond2 * t * t);
  }
  const quiet = Math.max(0, now - Math.max(s.rateAt, s.throttledAt) - T.gapMs);
  return s.rate * 2 ** (quiet / T.probeDoublingMs);
}

/**
 * May one more request of the account go at `now` (with `ceiling`, a known most requests per
 * second)? Returns 0 and counts it when it may; else how long to wait (ms) before asking again,
 * or -1 when the slow start holds it until an answer comes (`rateFeedback`).
 */
export function rateTake(s: RateState, now: number, ceiling?: number): number {
  if (s.pausedUntil > now) return s.pausedUntil - now;
  const learned = learnedRate(s, now);
  const rate = learned === 0 ? (ceiling ?? 0) : ceiling === undefined ? learned : Math.min(learned, ceiling);
  if (rate === 0) {
    const onWire = s.sent - s.answered;
    if (s.answered < RATE_TUNING.startAnswers && onWire >= RATE_TUNING.startWindow + 2 * s.answered) {
      return -1;
    }
  } else {
    if (s.next > now) return s.next - now;
    const interval = 1000 / rate;
    // A late timer may catch up one turn, no more (no burst after an idle spell).
    s.next = Math.max(s.next, now - interval) + interval;
  }
  if (s.sent === 0) s.startAt = now;
  s.sent++;
  return 0;
}

/**
 * `rateTake` for a limiter whose callers are far from the state (Redis): a paced turn due within
 * `aheadMs` is taken now for its time. Returns that time (the caller sleeps until then), or
 * `undefined` with nothing taken. So a round trip and a late timer never cost a turn.
 */
export function rateReserve(s: RateState, now: number, aheadMs: number, ceiling?: number): number | undefined {
  if (s.pausedUntil > now || s.next <= now || s.next - now > aheadMs) return undefined;
  const at = s.next;
  return rateTake(s, at, ceiling) === 0 ? at : undefined;
}

/**
 * Tells the state how a request sent at `sentAt` was answered, at `now`. Returns whether a
 * throttle is the rate's: the account is paced now and the server accepted other requests of it
 * while this one waited for its turn and was on the wire (`ok` grew past `progress`), so its
 * retry waits its turn again rather than using up an attempt. A server that refuses everything
 * (or a lone request) gets `false`: its throttles are failures like any other.
 */
export function rateFeedback(s: RateState, now: number, feedback: RateFeedback): boolean {
  const T = RATE_TUNING;
  if (s.answered < s.sent) s.answered++;
  const current = learnedRate(s, now);
  if (!feedback.throttled) {
    s.ok++;
    return false;
  }
  s.refused++;
  if (feedback.retryAfterMs !== undefined && feedback.retryAfterMs > 0) {
    s.pausedUntil = Math.max(s.pausedUntil, now + feedback.retryAfterMs);
  }
  const stretchBroken = now - s.throttledAt > T.gapMs;
  const news = current === 0 || feedback.sentAt >= s.cutAt;
  if (current === 0) {
    // First throttle: what it accepted since the start, per second.
    s.rate = Math.max(T.firstPerSecond, (s.ok * 1000) / Math.max(1, now - s.startAt));
    s.measured = 0;
  } else if (s.measured === 0) {
    // Looking for the rate: a stretch of throttles starts here when the last one is long past.
    if (stretchBroken) s.rate = current;
    else if (!news) s.rate = current;
    else if (s.refused - s.refRefused > s.ok - s.refOk + 1) s.rate = Math.max(T.minPerSecond, current * T.cut);
    else if (now - s.refAt >= T.firstWindowMs) {
      s.rate = Math.max(T.minPerSecond, (T.below * (s.ok - s.refOk) * 1000) / (now - s.refAt));
      s.measured = 1;
    } else s.rate = current;
  } else {
    if (!news || now - s.refAt < T.windowMs) {
      s.throttledAt = now;
      return s.ok > feedback.progress;
    }
    const measured = ((s.ok - s.refOk) * 1000) / (now - s.refAt);
    s.rate = Math.max(T.minPerSecond, T.below * Math.max(measured, T.floor * current));
  }
  if (current === 0 || stretchBroken || s.measured === 1) {
    s.refAt = now;
    s.refOk = s.ok;
    s.refRefused = s.refused;
  }
  s.throttledAt = now;
  s.rateAt = now;
  if (news) s.cutAt = now;
  s.next = Math.max(s.next, now);
  return s.ok > feedback.progress;
}
