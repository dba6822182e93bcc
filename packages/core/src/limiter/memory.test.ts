import { describe, expect, it } from 'vitest';
import { ParleyError } from '../errors/ParleyError.js';
import { hashKey } from './key.js';
import { defaultLimiter, memoryLimiter, sharedLimiter } from './memory.js';
import type { Release } from './types.js';

/** Lets pending promise callbacks run. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

function track<T>(promise: Promise<T>): { settled: () => boolean; promise: Promise<T> } {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  return { settled: () => done, promise };
}

describe('memoryLimiter', () => {
  it('never lets more than max callers of one key hold a slot at once', async () => {
    const limiter = memoryLimiter();
    const max = 3;
    let active = 0;
    let peak = 0;
    let finished = 0;
    const work = Array.from({ length: 200 }, async () => {
      const release = await limiter.acquire('k', { max });
      active++;
      peak = Math.max(peak, active);
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 3)));
      // Some callers also yield only a microtask, to mix release timings.
      if (Math.random() < 0.5) await Promise.resolve();
      active--;
      finished++;
      release();
    });
    await Promise.all(work);
    expect(finished).toBe(200);
    expect(peak).toBe(max);
    expect(limiter.size()).toBe(0);
  });

  it('serves waiters in arrival order, and a freed slot never goes to a newcomer', async () => {
    const limiter = memoryLimiter();
    const first = await limiter.acquire('k', { max: 1 });
    const order: number[] = [];
    const waiters = [1, 2, 3, 4].map((n) =>
      limiter.acquire('k', { max: 1 }).then((release) => {
        order.push(n);
        return release;
      }),
    );
    first();
    // Arrives after the release but before the next waiter runs: it must queue behind 2, 3, 4.
    const late = limiter.acquire('k', { max: 1 }).then((release) => {
      order.push(5);
      return release;
    });
    for (const waiter of [...waiters, late]) (await waiter)();
    expect(order).toEqual([1, 2, 3, 4, 5]);
  });

  it('queues a newcomer behind earlier waiters even when its own max would let it in', async () => {
    const limiter = memoryLimiter();
    const holder = await limiter.acquire('k', { max: 1 });
    const controller = new AbortController();
    const early = limiter.acquire('k', { max: 1, signal: controller.signal });
    const newcomer = track(limiter.acquire('k', { max: 2 }));
    await flush();
    expect(newcomer.settled()).toBe(false);
    expect(limiter.inspect('k')).toEqual({ active: 1, waiting: 2 });
    // Once the early waiter gives up, nothing blocks the newcomer any more.
    controller.abort();
    await expect(early).rejects.toMatchObject({ code: 'ABORTED' });
    const release = await newcomer.promise;
    expect(limiter.inspect('k')).toEqual({ active: 2, waiting: 0 });
    release();
    holder();
    expect(limiter.size()).toBe(0);
  });

  it('keeps keys independent', async () => {
    const limiter = memoryLimiter();
    const a = await limiter.acquire('a', { max: 1 });
    const waitingA = track(limiter.acquire('a', { max: 1 }));
    const b = track(limiter.acquire('b', { max: 1 }));
    await flush();
    expect(b.settled()).toBe(true);
    expect(waitingA.settled()).toBe(false);
    expect(limiter.inspect('a')).toEqual({ active: 1, waiting: 1 });
    expect(limiter.inspect('b')).toEqual({ active: 1, waiting: 0 });
    a();
    (await waitingA.promise)();
    (await b.promise)();
    expect(limiter.size()).toBe(0);
  });

  it('removes an aborted waiter and rejects it with ABORTED not_sent, without using a slot', async () => {
    const limiter = memoryLimiter();
    const holder = await limiter.acquire('k', { max: 1 });
    const controller = new AbortController();
    const aborted = limiter.acquire('k', { max: 1, signal: controller.signal });
    const next = track(limiter.acquire('k', { max: 1 }));
    expect(limiter.inspect('k')).toEqual({ active: 1, waiting: 2 });

    controller.abort(new Error('caller gave up'));
    const error = await aborted.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ParleyError);
    expect(error).toMatchObject({ code: 'ABORTED', delivery: 'not_sent' });
    expect((error as ParleyError).cause).toEqual(new Error('caller gave up'));
    expect(limiter.inspect('k')).toEqual({ active: 1, waiting: 1 });

    // The slot is still held, so the next waiter keeps waiting; it gets the slot on release.
    await flush();
    expect(next.settled()).toBe(false);
    holder();
    const release = await next.promise;
    expect(limiter.inspect('k')).toEqual({ active: 1, waiting: 0 });
    release();
    expect(limiter.size()).toBe(0);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const limiter = memoryLimiter();
    const error = await limiter.acquire('k', { max: 5, signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ABORTED', delivery: 'not_sent' });
    expect(limiter.size()).toBe(0);
  });

  it('ignores an abort that comes after the slot was granted', async () => {
    const limiter = memoryLimiter();
    const holder = await limiter.acquire('k', { max: 1 });
    const controller = new AbortController();
    const waiting = limiter.acquire('k', { max: 1, signal: controller.signal });
    holder();
    controller.abort();
    const release = await waiting;
    expect(limiter.inspect('k')).toEqual({ active: 1, waiting: 0 });
    release();
    expect(limiter.size()).toBe(0);
  });

  it('rejects with CONCURRENCY_LIMIT (retryable, not_sent) when the queue of a key is full', async () => {
    const limiter = memoryLimiter({ maxQueue: 2 });
    const holder = await limiter.acquire('k', { max: 1 });
    const queued = [limiter.acquire('k', { max: 1 }), limiter.acquire('k', { max: 1 })];
    const error = await limiter.acquire('k', { max: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ParleyError);
    expect(error).toMatchObject({ code: 'CONCURRENCY_LIMIT', retryable: true, delivery: 'not_sent' });
    // Another key has its own queue.
    (await limiter.acquire('other', { max: 1 }))();
    holder();
    for (const q of queued) (await q)();
    expect(limiter.size()).toBe(0);
  });

  it('queues thousands of waiters by default and serves them all', async () => {
    const limiter = memoryLimiter();
    const holder = await limiter.acquire('k', { max: 1 });
    const served: number[] = [];
    const waiters = Array.from({ length: 10_000 }, (_, i) =>
      limiter.acquire('k', { max: 1 }).then((release) => {
        served.push(i);
        release();
      }),
    );
    await expect(limiter.acquire('k', { max: 1 })).rejects.toMatchObject({ code: 'CONCURRENCY_LIMIT' });
    holder();
    await Promise.all(waiters);
    expect(served).toHaveLength(10_000);
    expect(served.every((n, i) => n === i)).toBe(true);
    expect(limiter.size()).toBe(0);
  });

  it('makes a second release of the same slot harmless', async () => {
    const limiter = memoryLimiter();
    const a = await limiter.acquire('k', { max: 1 });
    const b = track(limiter.acquire('k', { max: 1 }));
    const c = track(limiter.acquire('k', { max: 1 }));
    a();
    a();
    await flush();
    expect(b.settled()).toBe(true);
    // A second release of `a` must not have freed b's slot for c.
    expect(c.settled()).toBe(false);
    expect(limiter.inspect('k')).toEqual({ active: 1, waiting: 1 });
    (await b.promise)();
    const releaseC: Release = await c.promise;
    releaseC();
    releaseC();
    expect(limiter.size()).toBe(0);
    // The key works as new afterwards.
    const again = await limiter.acquire('k', { max: 1 });
    expect(limiter.inspect('k')).toEqual({ active: 1, waiting: 0 });
    again();
  });

  it('drops the state of a key once it is idle', async () => {
    const limiter = memoryLimiter();
    for (let i = 0; i < 1000; i++) (await limiter.acquire(`key-${i}`, { max: 2 }))();
    expect(limiter.size()).toBe(0);
    expect(limiter.inspect('key-1')).toBeUndefined();

    const holder = await limiter.acquire('x', { max: 1 });
    const controller = new AbortController();
    const waiting = limiter.acquire('x', { max: 1, signal: controller.signal }).catch(() => undefined);
    expect(limiter.size()).toBe(1);
    controller.abort();
    await waiting;
    holder();
    expect(limiter.size()).toBe(0);
  });

  it('rejects a max below 1', async () => {
    const limiter = memoryLimiter();
    await expect(limiter.acquire('k', { max: 0 })).rejects.toMatchObject({ code: 'CONFIG' });
  });
});

describe('defaultLimiter / sharedLimiter', () => {
  const SYMBOL = Symbol.for('parley.limiter');

  it('is one process-wide instance on globalThis, which another copy of the package would find', async () => {
    const limiter = defaultLimiter();
    expect(defaultLimiter()).toBe(limiter);
    // A second copy of the package would look it up by the same registered symbol.
    expect((globalThis as Record<symbol, unknown>)[SYMBOL]).toBe(limiter);
  });

  it('reuses an instance put there by another copy', async () => {
    const holder = globalThis as Record<symbol, unknown>;
    const previous = holder[SYMBOL];
    const other = memoryLimiter();
    holder[SYMBOL] = other;
    try {
      expect(defaultLimiter()).toBe(other);
      const release = await sharedLimiter.acquire('shared-key', { max: 1 });
      expect(other.inspect('shared-key')).toEqual({ active: 1, waiting: 0 });
      release();
    } finally {
      holder[SYMBOL] = previous;
    }
  });

  it('makes sharedLimiter and defaultLimiter share slots', async () => {
    const release = await defaultLimiter().acquire('same', { max: 1 });
    const waiting = track(sharedLimiter.acquire('same', { max: 1 }));
    await flush();
    expect(waiting.settled()).toBe(false);
    release();
    (await waiting.promise)();
  });
});

describe('hashKey', () => {
  it('is stable, 32 hex characters, and never holds its input', () => {
    const token = 'abc123secretTOKEN';
    const key = hashKey('wolkvox', token);
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    expect(hashKey('wolkvox', token)).toBe(key);
    expect(key).not.toContain(token);
    expect(key).not.toContain('wolkvox');
  });

  it('is the SHA-256 of the parts joined with NUL', () => {
    // `printf 'a\0b' | sha256sum` and `printf 'wolkvox\0tok' | sha256sum`, first 32 characters.
    expect(hashKey('a', 'b')).toBe('59b271ae1bbcb1d31d41929817f4b16f');
    expect(hashKey('wolkvox', 'tok')).toBe('792916f29fed3ad0270685a0e05bf6a7');
    expect(hashKey('ab', 'c')).not.toBe(hashKey('a', 'bc'));
    expect(hashKey('a', 'b')).not.toBe(hashKey('b', 'a'));
  });
});
