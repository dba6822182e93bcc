import { ParleyError } from '../errors/ParleyError.js';

export interface RetryPolicy {
  /** Attempts in all, the first included. Default 3. */
  readonly maxAttempts: number;
  /** Backoff base (ms): attempt n waits up to base × 2^(n-1). Default 250. */
  readonly baseDelayMs: number;
  /** Longest wait between attempts (ms); a `Retry-After` beyond it ends the retries. Default 30 000. */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 250, maxDelayMs: 30_000 };

export interface RetryInput {
  readonly error: unknown;
  /** Attempts made so far (1 after the first failure). */
  readonly attempt: number;
  /** A send is resent only when it surely was not accepted (`delivery: 'not_sent'`). */
  readonly isSend: boolean;
  readonly policy?: Partial<RetryPolicy>;
  /** A number in [0, 1), injected for tests. Default `Math.random`. */
  readonly random?: () => number;
}

export type RetryDecision =
  | { readonly retry: false; readonly reason: string }
  | { readonly retry: true; readonly delayMs: number };

/**
 * Decides, as a pure function, whether and when to try a failed call again: only a retryable
 * `ParleyError`, only a send that surely was not sent, within the attempt cap; the server's
 * `Retry-After` first, else exponential backoff with full jitter.
 *
 * @example
 * decideRetry({ error, attempt: 1, isSend: true }); // { retry: true, delayMs: 173 }
 */
export function decideRetry(input: RetryInput): RetryDecision {
  const policy = { ...DEFAULT_RETRY_POLICY, ...input.policy };
  const { error, attempt } = input;
  if (attempt >= policy.maxAttempts) return { retry: false, reason: 'attempts exhausted' };
  if (!(error instanceof ParleyError)) return { retry: false, reason: 'not a ParleyError' };
  if (!error.retryable) return { retry: false, reason: `${error.code} is not retryable` };
  if (input.isSend && error.delivery !== 'not_sent') {
    return { retry: false, reason: 'the provider may have accepted it; resending could duplicate it' };
  }
  if (error.retryAfterMs !== undefined) {
    if (error.retryAfterMs > policy.maxDelayMs) return { retry: false, reason: 'Retry-After is beyond maxDelayMs' };
    return { retry: true, delayMs: Math.max(0, error.retryAfterMs) };
  }
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const random = input.random ?? Math.random;
  return { retry: true, delayMs: Math.floor(random() * ceiling) };
}

/**
 * Reads a `Retry-After` header (delta seconds or an HTTP date) as milliseconds from `now`.
 * Returns `undefined` for a missing or unreadable value.
 *
 * @example
 * parseRetryAfter('2');                              // 2000
 * parseRetryAfter('Wed, 21 Oct 2026 07:28:00 GMT', Date.parse('Wed, 21 Oct 2026 07:27:00 GMT')); // 60000
 */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
