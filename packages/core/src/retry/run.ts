import { abortedError } from '../errors/factories.js';
import { decideRetry, type RetryPolicy } from './policy.js';

export interface RunWithRetryOptions {
  readonly isSend: boolean;
  readonly policy?: Partial<RetryPolicy>;
  readonly signal?: AbortSignal;
  /** Called before each wait; for logs. */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Injected for tests. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly random?: () => number;
}

/** Waits `ms`, or rejects with `ABORTED` (not sent) when `signal` aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
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
  });
}

/**
 * Runs `attempt` until it succeeds or `decideRetry` says stop, waiting between attempts.
 * The last error is rethrown as it is.
 *
 * @example
 * const res = await runWithRetry((n) => transport.request(req), { isSend: true });
 */
export async function runWithRetry<T>(attempt: (n: number) => Promise<T>, options: RunWithRetryOptions): Promise<T> {
  const wait = options.sleep ?? sleep;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      const decision = decideRetry({
        error,
        attempt: n,
        isSend: options.isSend,
        ...(options.policy ? { policy: options.policy } : {}),
        ...(options.random ? { random: options.random } : {}),
      });
      if (!decision.retry || options.signal?.aborted) throw error;
      options.onRetry?.(error, n, decision.delayMs);
      await wait(decision.delayMs, options.signal);
    }
  }
}
