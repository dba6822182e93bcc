import type { RateFeedback, RateTurn } from '@parley/core';
import { abortedError } from '@parley/core/provider';
import type { Redis } from 'ioredis';
import { run } from '../script.js';
import { FEEDBACK, PACE } from './rate-scripts.js';

interface PaceWaiter {
  readonly resolve: (turn: RateTurn) => void;
  readonly reject: (error: unknown) => void;
  readonly ceiling: number | undefined;
  readonly signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  /** The account's `ok` and Redis's time when this waiter first asked. */
  progress: number | undefined;
  askedAt: number | undefined;
}

interface Account {
  readonly redisKey: string;
  readonly queue: PaceWaiter[];
  /** Whether a PACE call is out or a timer will make the next one. */
  busy: boolean;
  timer: NodeJS.Timeout | undefined;
}

/** How often a request the slow start holds asks Redis again (ms): answers may come from any process. */
const START_POLL_MS = 5;
/** A paced turn due within this long is taken at once for its time (`rateReserve`): a round trip or a late timer costs no turn. */
const AHEAD_MS = 50;

/**
 * The rate control of the Redis limiter: each process keeps its waiters of an account in arrival
 * order, and the first of them asks Redis (PACE) whether it may go; the rate, the schedule and
 * the counters live in Redis, one hash per account, shared by every process. Scripts run by
 * EVALSHA (text on NOSCRIPT): the order of one PACE and one FEEDBACK does not matter. A Redis failure
 * fails the waiting request fast with `NETWORK` (not sent), as `acquire` does; feedback that
 * cannot reach Redis is dropped (the rate is advice).
 */
export function redisPacer(client: Redis, prefix: string) {
  const accounts = new Map<string, Account>();
  let closed = false;

  function account(key: string): Account {
    let a = accounts.get(key);
    if (a === undefined) {
      a = { redisKey: `${prefix}rate:{${key}}`, queue: [], busy: false, timer: undefined };
      accounts.set(key, a);
    }
    return a;
  }

  function settle(a: Account, waiter: PaceWaiter): void {
    const at = a.queue.indexOf(waiter);
    if (at >= 0) a.queue.splice(at, 1);
    if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
  }

  /** Asks Redis for the first waiter's turn; on to the next at once when it got one. */
  async function pump(a: Account): Promise<void> {
    if (a.busy || closed) return;
    a.busy = true;
    try {
      for (;;) {
        const head = a.queue[0];
        if (head === undefined) return;
        let reply: [number, number | string, number, number];
        try {
          reply = (await run(client, PACE, [a.redisKey], ['', head.ceiling ?? '', AHEAD_MS])) as typeof reply;
        } catch (error) {
          settle(a, head);
          head.reject(error);
          continue;
        }
        if (a.queue[0] !== head) {
          // It gave up meanwhile; a turn it was given goes unused (a gap in the schedule, no more).
          continue;
        }
        const [granted, reported, ok, now] = reply;
        const value = Number(reported);
        head.progress ??= ok;
        head.askedAt ??= now;
        if (granted === 1) {
          settle(a, head);
          const turn = { sentAt: value, progress: head.progress, waitedMs: value - head.askedAt };
          // A turn taken ahead (rateReserve): go at its time.
          if (value > now) setTimeout(() => head.resolve(turn), value - now);
          else head.resolve(turn);
          continue;
        }
        const wait = value < 0 ? START_POLL_MS : Math.max(1, value);
        a.timer = setTimeout(() => {
          a.timer = undefined;
          a.busy = false;
          void pump(a);
        }, wait);
        return;
      }
    } finally {
      if (a.timer === undefined) a.busy = false;
    }
  }

  return {
    pace(key: string, { perSecond, signal }: { perSecond?: number; signal?: AbortSignal }): Promise<RateTurn> {
      if (signal?.aborted) return Promise.reject(abortedError('not_sent', signal.reason));
      if (closed) return Promise.reject(abortedError('not_sent', new Error('the Redis limiter is closed')));
      const a = account(key);
      return new Promise<RateTurn>((resolve, reject) => {
        const waiter: PaceWaiter = {
          resolve,
          reject,
          ceiling: perSecond,
          signal,
          onAbort: undefined,
          progress: undefined,
          askedAt: undefined,
        };
        if (signal) {
          waiter.onAbort = () => {
            settle(a, waiter);
            reject(abortedError('not_sent', signal.reason));
          };
          signal.addEventListener('abort', waiter.onAbort, { once: true });
        }
        a.queue.push(waiter);
        void pump(a);
      });
    },

    async feedback(key: string, feedback: RateFeedback): Promise<boolean> {
      const a = account(key);
      const verdict = await run(
        client,
        FEEDBACK,
        [a.redisKey],
        ['', feedback.throttled ? 1 : 0, feedback.sentAt, feedback.progress, feedback.retryAfterMs ?? ''],
      );
      // An answer may change the rate or open the slow start's window: the first waiter asks again now.
      if (a.timer !== undefined && a.queue.length > 0) {
        clearTimeout(a.timer);
        a.timer = undefined;
        a.busy = false;
        void pump(a);
      }
      return verdict === 1;
    },

    close(): void {
      closed = true;
      const error = abortedError('not_sent', new Error('the Redis limiter was closed'));
      for (const a of accounts.values()) {
        clearTimeout(a.timer);
        a.timer = undefined;
        for (const waiter of [...a.queue]) {
          settle(a, waiter);
          waiter.reject(error);
        }
      }
    },
  };
}
