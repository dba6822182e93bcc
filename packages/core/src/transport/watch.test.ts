import { describe, expect, it, vi } from 'vitest';
import { watchRequest } from './errors.js';

describe('watchRequest', () => {
  it('fires the handle, the signal and the guard once, on the time limit', async () => {
    vi.useFakeTimers();
    try {
      const watch = watchRequest(undefined, 1_000);
      const onAbort = vi.fn();
      const removed = vi.fn();
      watch.handle.once('abort', onAbort);
      watch.handle.on('abort', removed);
      watch.handle.removeListener('abort', removed);
      const signal = watch.signal;
      const guarded = watch.guard(new Promise(() => {}));
      const rejection = guarded.catch((e: unknown) => e);
      expect(watch.handle.aborted).toBe(false);
      vi.advanceTimersByTime(1_000);
      expect(watch.stoppedBy).toBe('timeout');
      expect(watch.handle.aborted).toBe(true);
      expect(onAbort).toHaveBeenCalledTimes(1);
      expect(removed).not.toHaveBeenCalled();
      expect(signal.aborted).toBe(true);
      expect(signal.reason).toBe(watch.handle.reason);
      expect(((await rejection) as DOMException).name).toBe('TimeoutError');
      watch.dispose();
    } finally {
      vi.useRealTimers();
    }
  });

  it('follows the caller signal, even one aborted before the watch began', async () => {
    const early = new AbortController();
    early.abort(new Error('early'));
    const first = watchRequest(early.signal, 60_000);
    expect(first.stoppedBy).toBe('caller');
    expect(first.signal.aborted).toBe(true);
    await expect(first.guard(Promise.resolve(1))).rejects.toThrow('early');
    first.dispose();

    const late = new AbortController();
    const second = watchRequest(late.signal, 60_000);
    const guarded = second.guard(new Promise(() => {}));
    late.abort(new Error('late'));
    expect(second.stoppedBy).toBe('caller');
    await expect(guarded).rejects.toThrow('late');
    second.dispose();
  });

  it('settles like the work while nothing fired, and a disposed watch never fires', async () => {
    vi.useFakeTimers();
    try {
      const watch = watchRequest(undefined, 1_000);
      await expect(watch.guard(Promise.resolve('ok'))).resolves.toBe('ok');
      watch.dispose();
      vi.advanceTimersByTime(5_000);
      expect(watch.stoppedBy).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });
});
