import { abortedError } from '../errors/factories.js';
import { decideRetry, type RetryPolicy } from './policy.js';

export interface RunWithRetryOptions {
  readonly isSend: boolean;
  readonly policy?: Partial<RetryPolicy>;
  readonly signal?: AbortSignal;
  /** Called before each wait; for logs. */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /**
   * A failure for which this says true is tried again at once without using up an attempt
   * (a throttle under rate control: the limiter's pacing does the waiting). It must bound itself.
   */
  readonly uncounted?: (error: unknown) => boolean;
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
  let counted = 0;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (!options.signal?.aborted && options.uncounted?.(error)) {
        options.onRetry?.(error, n, 0);
        continue;
      }
      counted++;
      const decision = decideRetry({
        error,
        attempt: counted,
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
