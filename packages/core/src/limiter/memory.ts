import { abortedError, concurrencyLimitError, configError } from '../errors/factories.js';
import { pacer } from './pace.js';
import type { RateClock, RateState } from './rate.js';
import type { Limiter, Release } from './types.js';

export interface MemoryLimiterOptions {
  /** Most callers that may wait for one key; the next one is rejected with `CONCURRENCY_LIMIT`. Default 10 000. */
  readonly maxQueue?: number;
  /** The clock of the rate control (for tests). Default `Date.now` and `setTimeout`. */
  readonly clock?: RateClock;
}

/** A `Limiter` that keeps its slots in this process, with a peek at its state for tests and metrics. */
export interface MemoryLimiter extends Required<Limiter> {
  /** How many keys hold state (a slot taken or a caller waiting). Idle keys hold none. */
  size(): number;
  /** The holders and waiters of `key`, or `undefined` when the key is idle. */
  inspect(key: string): { readonly active: number; readonly waiting: number } | undefined;
  /** The rate control state of account `key`, or `undefined` when it has none. */
  rate(key: string): (RateState & { readonly perSecond: number }) | undefined;
}

/** One caller waiting for a slot: a node of a doubly linked FIFO list, so an abort unlinks it in O(1). */
interface Waiter {
  readonly max: number;
  readonly resolve: (release: Release) => void;
  readonly reject: (error: unknown) => void;
  readonly signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  prev: Waiter | undefined;
  next: Waiter | undefined;
}

interface KeyState {
  active: number;
  waiting: number;
  head: Waiter | undefined;
  tail: Waiter | undefined;
}

const DEFAULT_MAX_QUEUE = 10_000;

/**
 * An in-memory keyed FIFO semaphore: at most `max` holders per key, the others wait in
 * arrival order. A freed slot goes straight to the oldest waiter, so a newcomer never jumps
 * the queue. A key that is neither held nor waited for keeps no state.
 *
 * Most code wants `defaultLimiter()`, the one instance every messenger of the process shares.
 *
 * @example
 * const limiter = memoryLimiter({ maxQueue: 1000 });
 * const release = await limiter.acquire(hashKey('wolkvox', token), { max: 4, signal });
 * try {
 *   await send();
 * } finally {
 *   release();
 * }
 */
export function memoryLimiter(options: MemoryLimiterOptions = {}): MemoryLimiter {
  const maxQueue = options.maxQueue ?? DEFAULT_MAX_QUEUE;
  if (!(maxQueue >= 0)) {
    throw configError([{ path: 'maxQueue', message: 'must be a number of at least 0' }]);
  }
  const keys = new Map<string, KeyState>();
  const rates = pacer(options.clock);

  function unlink(state: KeyState, waiter: Waiter): void {
    if (waiter.prev) waiter.prev.next = waiter.next;
    else state.head = waiter.next;
    if (waiter.next) waiter.next.prev = waiter.prev;
    else state.tail = waiter.prev;
    waiter.prev = undefined;
    waiter.next = undefined;
    state.waiting--;
  }

  function dropIfIdle(key: string, state: KeyState): void {
    if (state.active === 0 && state.waiting === 0 && keys.get(key) === state) keys.delete(key);
  }

  /** Hands free slots to the oldest waiters, in order, while their `max` allows. */
  function drain(key: string, state: KeyState): void {
    for (let w = state.head; w !== undefined && state.active < w.max; w = state.head) {
      unlink(state, w);
      if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort);
      state.active++;
      w.resolve(releaser(key, state));
    }
    dropIfIdle(key, state);
  }

  function releaser(key: string, state: KeyState): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      state.active--;
      drain(key, state);
    };
  }

  function acquire(key: string, { max, signal }: { max: number; signal?: AbortSignal }): Promise<Release> {
    if (!(max >= 1)) {
      return Promise.reject(configError([{ path: 'max', message: 'must be a number of at least 1' }]));
    }
    if (signal?.aborted) return Promise.reject(abortedError('not_sent', signal.reason));
    let state = keys.get(key);
    if (state === undefined) {
      state = { active: 0, waiting: 0, head: undefined, tail: undefined };
      keys.set(key, state);
    }
    if (state.waiting === 0 && state.active < max) {
      state.active++;
      return Promise.resolve(releaser(key, state));
    }
    if (state.waiting >= maxQueue) {
      dropIfIdle(key, state);
      return Promise.reject(
        concurrencyLimitError(`${state.waiting} callers already wait for a slot (maxQueue ${maxQueue})`),
      );
    }
    const held = state;
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = { max, resolve, reject, signal, onAbort: undefined, prev: held.tail, next: undefined };
      if (held.tail) held.tail.next = waiter;
      else held.head = waiter;
      held.tail = waiter;
      held.waiting++;
      if (signal) {
        waiter.onAbort = () => {
          unlink(held, waiter);
          reject(abortedError('not_sent', signal.reason));
          // The aborted caller may have blocked a later one with a larger `max`.
          drain(key, held);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
    });
  }

  return {
    acquire,
    pace: (key, paceOptions) => rates.pace(key, paceOptions),
    feedback: (key, feedback) => rates.feedback(key, feedback),
    rate: (key) => rates.inspect(key),
    size: () => keys.size,
    inspect(key) {
      const state = keys.get(key);
      return state && { active: state.active, waiting: state.waiting };
    },
  };
}

const SHARED = Symbol.for('parley.limiter');

function isLimiter(value: unknown): value is Limiter {
  return typeof value === 'object' && value !== null && typeof (value as Limiter).acquire === 'function';
}

/**
 * The process-wide limiter, kept on `globalThis` under `Symbol.for('parley.limiter')`, so
 * every messenger in the process (even one from another copy of `@parley/core`) shares the
 * same slots for the same key. Made on first use.
 *
 * @example
 * const release = await defaultLimiter().acquire(key, { max: 10 });
 */
export function defaultLimiter(): Limiter {
  const holder = globalThis as Record<symbol, unknown>;
  const existing = holder[SHARED];
  if (isLimiter(existing)) return existing;
  const limiter = memoryLimiter();
  Object.defineProperty(globalThis, SHARED, { value: limiter, writable: true, configurable: true, enumerable: false });
  return limiter;
}

/**
 * A `Limiter` that forwards to `defaultLimiter()`, for places that want a value rather than
 * a call. Importing it has no side effect; the shared instance is made on the first `acquire`.
 *
 * @example
 * const messenger = createMessenger(config, { limiter: sharedLimiter });
 */
export const sharedLimiter: Required<Limiter> = {
  acquire: (key, options) => defaultLimiter().acquire(key, options),
  pace: (key, options) => {
    const limiter = defaultLimiter();
    return limiter.pace
      ? limiter.pace(key, options)
      : Promise.resolve({ sentAt: Date.now(), progress: 0, waitedMs: 0 });
  },
  feedback: (key, feedback) => defaultLimiter().feedback?.(key, feedback) ?? false,
};
