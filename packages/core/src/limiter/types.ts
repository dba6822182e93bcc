import type { RateFeedback, RateTurn } from './rate.js';

/** Frees a slot taken with `Limiter.acquire`. Calling it more than once has no further effect. */
export type Release = () => void;

/**
 * The concurrency seam: at most `max` holders of one key at a time, across every messenger
 * that uses the same limiter. Keys are opaque (a hash of a credential, never the credential).
 */
export interface Limiter {
  /**
   * Waits for a free slot of `key` (FIFO) and resolves with its release function.
   * Rejects with `ABORTED` (delivery `not_sent`) when `signal` aborts while waiting, and with
   * `CONCURRENCY_LIMIT` (retryable, `not_sent`) when the wait queue of `key` is full.
   */
  acquire(key: string, options: { max: number; signal?: AbortSignal }): Promise<Release>;

  /**
   * Rate control (optional): waits until account `key` may send one more request and resolves
   * with its turn (handed back in `feedback`). Resolves at once while
   * the account has met no throttle and `perSecond` (a known ceiling) is not given; waits out a
   * `Retry-After` pause of the account. Rejects with `ABORTED` (`not_sent`) when `signal` aborts.
   * A limiter shared across processes (`@parley/redis`) keeps the rate where they all see it.
   */
  pace?(key: string, options: { perSecond?: number; signal?: AbortSignal }): Promise<RateTurn>;

  /**
   * Rate control (optional): how a request `pace` let go was answered (or that it failed without
   * an answer: `throttled: false`). A throttle (429 or a throttling code) slows the whole account,
   * and its `retryAfterMs` pauses it. Resolves `true` for a throttle that is the rate's (the
   * account is paced and the server accepted other requests of it while this one waited and was
   * on the wire): its retry then waits its turn without using up an attempt. May be async; a failure counts as `false`.
   */
  feedback?(key: string, feedback: RateFeedback): boolean | Promise<boolean>;
}
