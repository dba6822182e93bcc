import { ParleyError } from '../errors/ParleyError.js';
import type { Limiter } from '../limiter/types.js';

/**
 * A call retries throttles that are the rate's (see `Limiter.feedback`) without using up
 * attempts, but not forever: at most this many such retries, and none once this long has
 * passed since its first attempt. Past the bound a throttle counts like any failure.
 */
export const THROTTLE_RETRY_BOUND = { retries: 20, ms: 60_000 } as const;

/** Throttles the limiter's rate control called the rate's (their retry waits its turn instead). */
const ofTheRate = new WeakSet<object>();

const isThrottle = (error: unknown): error is ParleyError =>
  error instanceof ParleyError && error.code === 'RATE_LIMITED';

/** Whether `error` is a throttle that the rate control paces the retry of. */
export function isPacedThrottle(error: unknown): boolean {
  return isThrottle(error) && ofTheRate.has(error);
}

/** Tells the limiter how the attempt it let go ended (`undefined`: not a throttle); once. */
export type Answered = (error?: unknown) => Promise<void>;

/**
 * Waits for the account's turn (`Limiter.pace`) and returns how to tell the limiter how the
 * attempt ended, or `undefined` when the limiter has no rate control. The rate is advice: a
 * limiter whose feedback fails never fails the send.
 */
export async function takeTurn(
  limiter: Limiter,
  key: string,
  perSecond: number | undefined,
  signal: AbortSignal,
): Promise<Answered | undefined> {
  if (!limiter.pace) return undefined;
  const turn = await limiter.pace(key, perSecond === undefined ? { signal } : { perSecond, signal });
  let told = false;
  return async (error) => {
    if (told) return;
    told = true;
    const throttled = isThrottle(error);
    try {
      const verdict = limiter.feedback?.(key, {
        throttled,
        sentAt: turn.sentAt,
        progress: turn.progress,
        ...(throttled && error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
      });
      if (!throttled) {
        if (verdict instanceof Promise) verdict.catch(() => {});
      } else if (await verdict) ofTheRate.add(error);
    } catch {
      // Advice only.
    }
  };
}
