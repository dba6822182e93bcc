import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Delivery } from '../errors/codes.js';
import { ParleyError } from '../errors/ParleyError.js';
import { runWithRetry, sleep } from './run.js';

function failure(delivery: Delivery, retryable = true): ParleyError {
  return new ParleyError({ code: retryable ? 'NETWORK' : 'AUTH', message: 'failed', retryable, delivery });
}

/** A sleep that records each wait and resolves at once (or rejects like the real one on abort). */
function recordingSleep() {
  const delays: number[] = [];
  const fn = vi.fn(async (ms: number, signal?: AbortSignal) => {
    delays.push(ms);
    if (signal?.aborted) throw new ParleyError({ code: 'ABORTED', message: 'aborted', delivery: 'not_sent' });
  });
  return { delays, fn };
}

const policy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000 };

afterEach(() => {
  vi.useRealTimers();
});

describe('runWithRetry', () => {
  it('retries until the attempt succeeds, with backoff delays', async () => {
    const { delays, fn } = recordingSleep();
    const onRetry = vi.fn();
    const attempt = vi
      .fn<(n: number) => Promise<string>>()
      .mockRejectedValueOnce(failure('not_sent'))
      .mockRejectedValueOnce(failure('not_sent'))
      .mockResolvedValueOnce('ok');
    const result = await runWithRetry(attempt, { isSend: true, policy, sleep: fn, random: () => 0.5, onRetry });
    expect(result).toBe('ok');
    expect(attempt.mock.calls.map(([n]) => n)).toEqual([1, 2, 3]);
    expect(delays).toEqual([50, 100]);
    expect(onRetry.mock.calls.map(([, n, ms]) => [n, ms])).toEqual([
      [1, 50],
      [2, 100],
    ]);
  });

  it('returns the first success without waiting', async () => {
    const { fn } = recordingSleep();
    const attempt = vi.fn(async () => 42);
    await expect(runWithRetry(attempt, { isSend: true, sleep: fn })).resolves.toBe(42);
    expect(attempt).toHaveBeenCalledTimes(1);
    expect(fn).not.toHaveBeenCalled();
  });

  it('stops at maxAttempts and rethrows the last error', async () => {
    const { delays, fn } = recordingSleep();
    const errors = [failure('not_sent'), failure('not_sent'), failure('not_sent'), failure('not_sent')];
    let i = 0;
    const attempt = vi.fn(async () => {
      throw errors[i++];
    });
    const thrown = await runWithRetry(attempt, { isSend: true, policy, sleep: fn, random: () => 0.5 }).catch(
      (e: unknown) => e,
    );
    expect(attempt).toHaveBeenCalledTimes(4);
    expect(delays).toEqual([50, 100, 200]);
    expect(thrown).toBe(errors[3]);
  });

  it('stops on a non-retryable error and rethrows that same object', async () => {
    const { fn } = recordingSleep();
    const error = failure('not_sent', false);
    const attempt = vi.fn(async () => {
      throw error;
    });
    const thrown = await runWithRetry(attempt, { isSend: true, policy, sleep: fn }).catch((e: unknown) => e);
    expect(thrown).toBe(error);
    expect(attempt).toHaveBeenCalledTimes(1);
    expect(fn).not.toHaveBeenCalled();
  });

  it('rethrows a foreign error as it is, without retrying', async () => {
    const { fn } = recordingSleep();
    const error = new TypeError('bug');
    const attempt = vi.fn(async () => {
      throw error;
    });
    await expect(runWithRetry(attempt, { isSend: false, policy, sleep: fn })).rejects.toBe(error);
    expect(attempt).toHaveBeenCalledTimes(1);
  });

  it('never resends a send that may have been accepted', async () => {
    const { fn } = recordingSleep();
    const error = failure('unknown');
    const attempt = vi.fn(async () => {
      throw error;
    });
    await expect(runWithRetry(attempt, { isSend: true, policy, sleep: fn })).rejects.toBe(error);
    expect(attempt).toHaveBeenCalledTimes(1);
    expect(fn).not.toHaveBeenCalled();
  });

  it('does retry a status poll whose delivery is unknown', async () => {
    const { fn } = recordingSleep();
    const attempt = vi
      .fn<(n: number) => Promise<string>>()
      .mockRejectedValueOnce(failure('unknown'))
      .mockResolvedValue('ok');
    await expect(runWithRetry(attempt, { isSend: false, policy, sleep: fn, random: () => 0 })).resolves.toBe('ok');
    expect(attempt).toHaveBeenCalledTimes(2);
  });

  it('honours Retry-After exactly', async () => {
    const { delays, fn } = recordingSleep();
    const limited = new ParleyError({
      code: 'RATE_LIMITED',
      message: 'slow down',
      retryable: true,
      delivery: 'not_sent',
      retryAfterMs: 700,
    });
    const attempt = vi.fn<(n: number) => Promise<string>>().mockRejectedValueOnce(limited).mockResolvedValue('ok');
    await expect(runWithRetry(attempt, { isSend: true, policy, sleep: fn, random: () => 0.5 })).resolves.toBe('ok');
    expect(delays).toEqual([700]);
  });

  it('does not wait again when the signal is already aborted after a failure', async () => {
    const { fn } = recordingSleep();
    const controller = new AbortController();
    const error = failure('not_sent');
    const attempt = vi.fn(async () => {
      controller.abort();
      throw error;
    });
    await expect(runWithRetry(attempt, { isSend: true, policy, sleep: fn, signal: controller.signal })).rejects.toBe(
      error,
    );
    expect(attempt).toHaveBeenCalledTimes(1);
    expect(fn).not.toHaveBeenCalled();
  });

  it('rejects with ABORTED (not_sent) when the signal aborts during the wait', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const attempt = vi.fn(async () => {
      throw failure('not_sent');
    });
    const run = runWithRetry(attempt, { isSend: true, policy, signal: controller.signal, random: () => 0.5 });
    const outcome = run.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(10);
    expect(attempt).toHaveBeenCalledTimes(1);
    controller.abort(new Error('stop'));
    const error = await outcome;
    expect(error).toBeInstanceOf(ParleyError);
    expect(error).toMatchObject({ code: 'ABORTED', delivery: 'not_sent' });
    // No attempt after the abort, even once the backoff would have ended.
    await vi.advanceTimersByTimeAsync(10_000);
    expect(attempt).toHaveBeenCalledTimes(1);
  });

  it('waits the backoff with the real sleep (fake timers)', async () => {
    vi.useFakeTimers();
    const attempt = vi
      .fn<(n: number) => Promise<string>>()
      .mockRejectedValueOnce(failure('not_sent'))
      .mockResolvedValue('ok');
    const run = runWithRetry(attempt, { isSend: true, policy, random: () => 0.5 });
    await vi.advanceTimersByTimeAsync(49);
    expect(attempt).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(attempt).toHaveBeenCalledTimes(2);
    await expect(run).resolves.toBe('ok');
  });
});

describe('sleep', () => {
  it('resolves after ms', async () => {
    vi.useFakeTimers();
    let done = false;
    const waiting = sleep(100).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(99);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await waiting;
    expect(done).toBe(true);
  });

  it('rejects with ABORTED (not_sent) when the signal aborts, and clears its timer', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const waiting = sleep(1000, controller.signal).catch((e: unknown) => e);
    expect(vi.getTimerCount()).toBe(1);
    const reason = new Error('stop');
    controller.abort(reason);
    const error = await waiting;
    expect(error).toBeInstanceOf(ParleyError);
    expect(error).toMatchObject({ code: 'ABORTED', delivery: 'not_sent' });
    expect((error as ParleyError).cause).toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects at once for an aborted signal, setting no timer', async () => {
    vi.useFakeTimers();
    const error = await sleep(1000, AbortSignal.abort()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ABORTED', delivery: 'not_sent' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stops listening to the signal once it has waited', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const remove = vi.spyOn(controller.signal, 'removeEventListener');
    const waiting = sleep(10, controller.signal);
    await vi.advanceTimersByTimeAsync(10);
    await waiting;
    expect(remove).toHaveBeenCalledWith('abort', expect.any(Function));
    controller.abort();
  });
});
