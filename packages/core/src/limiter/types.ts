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
}
