import { abortedError } from '../errors/factories.js';
import {
  learnedRate,
  newRateState,
  type RateClock,
  type RateFeedback,
  type RateState,
  type RateTurn,
  rateFeedback,
  rateTake,
} from './rate.js';

interface PaceWaiter {
  readonly resolve: (turn: RateTurn) => void;
  readonly progress: number;
  readonly askedAt: number;
  readonly reject: (error: unknown) => void;
  readonly ceiling: number | undefined;
  readonly signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

interface Account {
  readonly state: RateState;
  /** Callers waiting for their turn, oldest first (index `head` on), and whether a timer will look again. */
  queue: PaceWaiter[];
  head: number;
  timer: boolean;
}

export const realClock: RateClock = {
  now: () => Date.now(),
  sleep: (ms) =>
    new Promise((resolve) => {
      setTimeout(resolve, ms).unref?.();
    }),
};

/** The rate control of the memory limiter: `rateTake`/`rateFeedback` per account, in this process. */
export interface Pacer {
  pace(key: string, options: { perSecond?: number; signal?: AbortSignal }): Promise<RateTurn>;
  feedback(key: string, feedback: RateFeedback): boolean;
  /** A copy of the state of account `key` (its learned rate as of now), or `undefined` when it has none. */
  inspect(key: string): (RateState & { readonly perSecond: number }) | undefined;
}

/**
 * Waiters of one account are released in arrival order by one timer, each when `rateTake`
 * says so at that moment, so a throttle or a `Retry-After` holds back everyone already waiting.
 */
export function pacer(clock: RateClock = realClock): Pacer {
  const accounts = new Map<string, Account>();

  function account(key: string): Account {
    let a = accounts.get(key);
    if (a === undefined) {
      a = { state: newRateState(), queue: [], head: 0, timer: false };
      accounts.set(key, a);
    }
    return a;
  }

  /** Releases the waiters whose turn has come; unless a timer is already set, sets one for the next. */
  function pump(a: Account, fromTimer: boolean): void {
    if (fromTimer) a.timer = false;
    for (;;) {
      const head = a.queue[a.head];
      if (head === undefined) {
        a.queue = [];
        a.head = 0;
        return;
      }
      const now = clock.now();
      const wait = rateTake(a.state, now, head.ceiling);
      if (wait === 0) {
        a.queue[a.head++] = undefined as unknown as PaceWaiter;
        if (head.onAbort) head.signal?.removeEventListener('abort', head.onAbort);
        head.resolve({ sentAt: now, progress: head.progress, waitedMs: now - head.askedAt });
        continue;
      }
      // Held by the slow start: the next answer (`feedback`) looks again.
      if (wait < 0 || a.timer) return;
      a.timer = true;
      void clock.sleep(Math.max(1, Math.ceil(wait))).then(() => pump(a, true));
      return;
    }
  }

  return {
    pace(key, { perSecond, signal } = {}) {
      if (signal?.aborted) return Promise.reject(abortedError('not_sent', signal.reason));
      const a = account(key);
      if (a.head === a.queue.length) {
        const now = clock.now();
        if (rateTake(a.state, now, perSecond) === 0)
          return Promise.resolve({ sentAt: now, progress: a.state.ok, waitedMs: 0 });
      }
      const progress = a.state.ok;
      const askedAt = clock.now();
      return new Promise<RateTurn>((resolve, reject) => {
        const waiter: PaceWaiter = {
          resolve,
          reject,
          progress,
          askedAt,
          ceiling: perSecond,
          signal,
          onAbort: undefined,
        };
        if (signal) {
          waiter.onAbort = () => {
            const at = a.queue.indexOf(waiter, a.head);
            if (at >= 0) a.queue.splice(at, 1);
            reject(abortedError('not_sent', signal.reason));
          };
          signal.addEventListener('abort', waiter.onAbort, { once: true });
        }
        a.queue.push(waiter);
        pump(a, false);
      });
    },
    feedback(key, feedback) {
      const a = account(key);
      const paced = rateFeedback(a.state, clock.now(), feedback);
      // An answer may open the slow start's window, or change the rate: look at once.
      if (a.head < a.queue.length) pump(a, false);
      return paced;
    },
    inspect(key) {
      const a = accounts.get(key);
      if (a === undefined) return undefined;
      const perSecond = learnedRate(a.state, clock.now());
      return { ...a.state, perSecond };
    },
  };
}
