/** `requests` per `perMs`, per API key, over a sliding window. */
export interface RateLimitOptions {
  readonly requests: number;
  readonly perMs: number;
}

/**
 * A sliding-window log per key: a request is refused while `requests` others were admitted in
 * the last `perMs`. The answer says how long until a slot frees, for `Retry-After`.
 *
 * @example
 * const limit = new RateLimiter({ requests: 10, perMs: 1000 });
 * limit.take('key', Date.now()); // { ok: true } or { ok: false, retryAfterMs }
 */
export class RateLimiter {
  readonly #requests: number;
  readonly #perMs: number;
  readonly #logs = new Map<string, { times: Float64Array; next: number }>();

  constructor(options: RateLimitOptions) {
    if (!(Number.isInteger(options.requests) && options.requests >= 1 && options.perMs > 0)) {
      throw new RangeError('simulator: rateLimit needs requests (integer >= 1) and perMs (> 0)');
    }
    this.#requests = options.requests;
    this.#perMs = options.perMs;
  }

  take(key: string, now: number): { readonly ok: true } | { readonly ok: false; readonly retryAfterMs: number } {
    let log = this.#logs.get(key);
    if (!log) {
      log = { times: new Float64Array(this.#requests).fill(Number.NEGATIVE_INFINITY), next: 0 };
      this.#logs.set(key, log);
    }
    // The slot about to be overwritten holds the oldest of the last `requests` admissions.
    const oldest = log.times[log.next]!;
    if (now - oldest < this.#perMs) return { ok: false, retryAfterMs: oldest + this.#perMs - now };
    log.times[log.next] = now;
    log.next = (log.next + 1) % this.#requests;
    return { ok: true };
  }

  clear(): void {
    this.#logs.clear();
  }
}
