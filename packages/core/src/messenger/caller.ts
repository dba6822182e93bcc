import { abortedError, quotaExceededError, timeoutError } from '../errors/factories.js';
import { ParleyError } from '../errors/ParleyError.js';
import type { Limiter } from '../limiter/types.js';
import type { Logger } from '../logger.js';
import type { ProviderDriver, ProviderRequest } from '../provider.js';
import { runWithRetry } from '../retry/run.js';
import type { Store } from '../store/types.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import { describeTarget } from '../transport/errors.js';
import type { Transport, TransportResponse } from '../transport/types.js';
import { type Answered, isPacedThrottle, THROTTLE_RETRY_BOUND, takeTurn } from './pacing.js';

export { THROTTLE_RETRY_BOUND } from './pacing.js';

export interface CallOptions {
  /** A send is resent only when it surely was not accepted. */
  readonly isSend: boolean;
  readonly signal?: AbortSignal;
}

export interface CallerDeps {
  readonly provider: string;
  readonly driver: ProviderDriver;
  readonly transport: Transport;
  readonly limiter: Limiter;
  readonly store: Store;
  readonly logger: Logger;
  readonly now: () => number;
  /** Aborts waiting (in the limiter, between retries) when the messenger closes; never a request in flight. */
  readonly closing: AbortSignal;
  /** Spans, metrics and diagnostics channels of each attempt, slot wait and retry. */
  readonly telemetry?: Telemetry | undefined;
  /** A known ceiling for the account's rate (`rateLimit` of the config). */
  readonly rateLimit?: { readonly perSecond: number } | undefined;
}

const DAY_MS = 86_400_000;

/**
 * Every call to a provider goes through here: a concurrency slot, the daily quota, the
 * transport with its time limit, the adapter's parser, and retries decided by `decideRetry`.
 */
export class ProviderCaller {
  /** Requests whose callers gave up but whose slots are still held (see `holding`). */
  private readonly held = new Set<Promise<unknown>>();

  constructor(private readonly deps: CallerDeps) {}

  /** Resolves once every held request has settled (for `close()`). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.held]);
  }

  call<T>(request: ProviderRequest, parse: (response: TransportResponse) => T, options: CallOptions): Promise<T> {
    const { driver, logger } = this.deps;
    // A status poll's signal is `closing` itself: no combined signal then. One per call would be
    // held by `closing` through weak references until a full GC, so at many polls a second,
    // every poll's signal would outlive the poll and fill the old generation.
    const closing = this.deps.closing;
    const waitSignal =
      options.signal === undefined || options.signal === closing ? closing : AbortSignal.any([options.signal, closing]);
    const started = this.deps.now();
    let throttles = 0;
    return runWithRetry((n) => this.attempt(request, parse, options.signal, waitSignal, n), {
      isSend: options.isSend,
      signal: waitSignal,
      // Under rate control a throttle slows the whole account and this call waits its turn again.
      uncounted: (error) =>
        isPacedThrottle(error) &&
        (error as ParleyError).retryable &&
        (!options.isSend || (error as ParleyError).delivery === 'not_sent') &&
        ((error as ParleyError).retryAfterMs ?? 0) <= 30_000 &&
        ++throttles <= THROTTLE_RETRY_BOUND.retries &&
        this.deps.now() - started < THROTTLE_RETRY_BOUND.ms,
      ...(driver.maxAttempts !== undefined ? { policy: { maxAttempts: driver.maxAttempts } } : {}),
      onRetry: (error, attempt, delayMs) => {
        this.deps.telemetry?.retry(options.isSend ? 'send' : 'status', error, attempt, delayMs);
        logger.debug(`retrying ${this.deps.provider} call`, {
          attempt,
          delayMs,
          code: error instanceof ParleyError ? error.code : undefined,
        });
      },
    });
  }

  private async attempt<T>(
    request: ProviderRequest,
    parse: (response: TransportResponse) => T,
    signal: AbortSignal | undefined,
    waitSignal: AbortSignal,
    n = 1,
  ): Promise<T> {
    const { driver } = this.deps;
    const limiter = this.deps.telemetry?.observeLimiter(this.deps.limiter) ?? this.deps.limiter;
    const transport = this.deps.telemetry?.observeTransport(this.deps.transport, n) ?? this.deps.transport;
    const release = driver.concurrency
      ? await limiter.acquire(driver.concurrency.key, { max: driver.concurrency.max, signal: waitSignal })
      : undefined;
    const holdMs = release ? driver.concurrency?.holdUntilSettledMs : undefined;
    let holds = false;
    let answered: Answered | undefined;
    try {
      if (signal?.aborted)
        throw signal.reason instanceof ParleyError ? signal.reason : abortedError('not_sent', signal.reason);
      // The account's rate (the limiter's rate control), told how the attempt ended.
      answered = await takeTurn(limiter, driver.scope, this.deps.rateLimit?.perSecond, waitSignal);
      if (driver.dailyQuota) await this.countQuota();
      if (release && holdMs !== undefined) {
        holds = true;
        const result = await this.holding(transport, request, parse, waitSignal, release, holdMs);
        void answered?.();
        return result;
      }
      const response = await transport.request(
        driver.timeoutMs === undefined && !signal
          ? request
          : {
              ...request,
              ...(driver.timeoutMs !== undefined ? { timeoutMs: driver.timeoutMs } : {}),
              ...(signal ? { signal } : {}),
            },
      );
      const result = parse(response);
      void answered?.();
      return result;
    } catch (error) {
      await answered?.(error);
      throw error;
    } finally {
      if (!holds) release?.();
    }
  }

  /**
   * A request whose slot stays taken until the provider is surely done with it: the caller may
   * give up (its signal, `close()`, a `timeoutMs` below `holdMs`) and its promise settles at
   * once, but the request is not cut off; the slot is freed when the answer arrives or `holdMs`
   * after the request was sent, whichever comes first.
   */
  private holding<T>(
    transport: Transport,
    request: ProviderRequest,
    parse: (response: TransportResponse) => T,
    abandon: AbortSignal,
    release: () => void,
    holdMs: number,
  ): Promise<T> {
    const callerMs = this.deps.driver.timeoutMs;
    const holdTimer = setTimeout(release, holdMs);
    const work = transport.request({ ...request, timeoutMs: Math.max(callerMs ?? holdMs, holdMs) });
    this.held.add(work);
    const done = () => {
      clearTimeout(holdTimer);
      release();
      this.held.delete(work);
    };
    work.then(done, done);
    return new Promise<T>((resolve, reject) => {
      let callerTimer: NodeJS.Timeout | undefined;
      const cleanup = () => {
        clearTimeout(callerTimer);
        abandon.removeEventListener('abort', onAbandon);
      };
      const onAbandon = () => {
        cleanup();
        reject(abortedError('unknown', abandon.reason));
      };
      if (callerMs !== undefined && callerMs < holdMs) {
        callerTimer = setTimeout(() => {
          cleanup();
          reject(
            timeoutError(
              `waiting for ${describeTarget(request.method, request.url)} (limit ${callerMs} ms); the request keeps its slot until the provider is done`,
              'unknown',
            ),
          );
        }, callerMs);
      }
      abandon.addEventListener('abort', onAbandon, { once: true });
      work.then(
        (response) => {
          cleanup();
          try {
            resolve(parse(response));
          } catch (error) {
            reject(error);
          }
        },
        (error: unknown) => {
          cleanup();
          reject(error);
        },
      );
    });
  }

  /** Counts one request against the daily quota, failing fast (not sent) once it is used up. */
  private async countQuota(): Promise<void> {
    const quota = this.deps.driver.dailyQuota;
    if (!quota) return;
    const now = this.deps.now();
    const day = Math.floor(now / DAY_MS);
    // The day is the messenger's (its clock); the store only keeps the counter until that day ends.
    const used = await this.deps.store.increment(`quota:${quota.key}:${day}`, (day + 1) * DAY_MS - now);
    if (used > quota.limit) {
      throw quotaExceededError(quota.limit, this.deps.provider);
    }
  }
}
