import { randomBytes } from 'node:crypto';
import { type Limiter, ParleyError, type Release } from '@parley/core';
import { abortedError, concurrencyLimitError, configError, networkError } from '@parley/core/provider';
import type { Redis } from 'ioredis';
import { connect, quit, type RedisConnectionOptions, subscriberOf } from '../connection.js';
import type { Script } from '../script.js';
import { redisPacer } from './pacer.js';
import { ACQUIRE, HEARTBEAT, INSPECT, LEAVE, TRANSFER } from './scripts.js';

export interface RedisLimiterOptions extends RedisConnectionOptions {
  /**
   * How long a slot or a place in line outlives its process's last heartbeat (ms). Default
   * 90 000: longer than Wolkvox's 60 s request limit, so a slot whose holder froze or died is
   * reused only once its request is surely over at the provider. Heartbeats renew it while held.
   */
  readonly leaseMs?: number;
  /** Heartbeat period (ms): leases and tickets are renewed, and missed wake-ups found, this often. Default 1000 (at most leaseMs / 3). */
  readonly pollMs?: number;
  /** Most callers that may wait for one key, across all processes; the next one is rejected with `CONCURRENCY_LIMIT`. Default 10 000. */
  readonly maxQueue?: number;
  /** Prefix of every Redis key and channel. Default `parley:`. */
  readonly prefix?: string;
}

/**
 * A `Limiter` whose slots live in Redis, shared by every process that uses the same Redis and
 * prefix; so does its rate control (`pace`, `feedback`): one learned rate and one schedule per account.
 */
export interface RedisLimiter extends Required<Limiter> {
  /** Live slots and waiting callers of `key`, across all processes (expired ones dropped first). */
  inspect(key: string): Promise<{ readonly active: number; readonly waiting: number }>;
  /**
   * Rejects this instance's waiting callers with `ABORTED` and quits the connections it opened.
   * Close it after the messengers that use it: a slot still held then is freed by its lease.
   */
  close(): Promise<void>;
}

interface Waiter {
  readonly ticket: string;
  readonly max: number;
  readonly resolve: (release: Release) => void;
  readonly reject: (error: unknown) => void;
  readonly signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  /** Settles when the ACQUIRE call settles; a LEAVE for this ticket waits for it. */
  sent: Promise<void>;
  /** Whether the ACQUIRE call was sent (so the ticket may be in Redis). */
  inRedis: boolean;
  /** Whether ACQUIRE answered "queued" (so heartbeats renew the ticket). */
  queued: boolean;
  settled: boolean;
  /** Granted by Redis while this process already held `max` slots of the key: waits for one of them. */
  parked: boolean;
}

interface KeyState {
  readonly keys: readonly string[];
  readonly channel: string;
  readonly waiters: Map<string, Waiter>;
  readonly held: Set<string>;
  /** The ticket first in line in Redis, as last heard (a script's reply or a grant message); may be stale. */
  head: string | undefined;
  /** Waiters whose ticket is queued in Redis. */
  queued: number;
  /** Tickets of ours that may still be in Redis although nobody holds or wants them (a LEAVE failed): left again on each beat. */
  readonly orphans: Set<string>;
  subscribed: Promise<void> | undefined;
  timer: NodeJS.Timeout | undefined;
  timerAt: number;
}

/** The `max` a ticket ("<max>|<instance>|<n>") was taken with. */
const maxOf = (ticket: string) => Number(ticket.slice(0, ticket.indexOf('|')));

const DEFAULTS = { leaseMs: 90_000, pollMs: 1_000, maxQueue: 10_000, prefix: 'parley:' } as const;

/**
 * A fair, crash-safe distributed semaphore on Redis: at most `max` holders of a key across every
 * process, the others served strictly in arrival order. Slots are leases renewed by a heartbeat,
 * so a process that dies gives its slots (and its places in line) back after `leaseMs`. A freed
 * slot goes to the oldest waiter inside the same Lua script that frees it, and the waiter hears
 * of it by pub/sub at once (heartbeats catch a missed message).
 *
 * @example
 * import { createMessenger } from '@parley/core';
 * import { wolkvox } from '@parley/adapter-wolkvox';
 * import { redisLimiter, redisStore } from '@parley/redis';
 *
 * const url = process.env.REDIS_URL;
 * const messenger = createMessenger(config, {
 *   providers: [wolkvox],
 *   limiter: redisLimiter({ url }),
 *   store: redisStore({ url }),
 * });
 */
export function redisLimiter(options: RedisLimiterOptions = {}): RedisLimiter {
  const leaseMs = options.leaseMs ?? DEFAULTS.leaseMs;
  const pollMs = options.pollMs ?? DEFAULTS.pollMs;
  const maxQueue = options.maxQueue ?? DEFAULTS.maxQueue;
  const issues = [
    ...(Number.isSafeInteger(leaseMs) && leaseMs >= 30
      ? []
      : [{ path: 'leaseMs', message: 'must be an integer of at least 30' }]),
    ...(pollMs >= 1 ? [] : [{ path: 'pollMs', message: 'must be a number of at least 1' }]),
    ...(maxQueue >= 0 ? [] : [{ path: 'maxQueue', message: 'must be a number of at least 0' }]),
  ];
  if (issues.length > 0) throw configError(issues);
  const beatMs = Math.max(1, Math.min(pollMs, Math.floor(leaseMs / 3)));
  const connection = connect(options, 'redisLimiter');
  const { client, owned, keyPrefix, health } = connection;

  const prefix = options.prefix ?? DEFAULTS.prefix;
  const instance = randomBytes(9).toString('base64url');
  const states = new Map<string, KeyState>();
  const byChannel = new Map<string, KeyState>();
  const leaving = new Set<Promise<unknown>>();
  let subscriber: Redis | undefined;
  let counter = 0;
  const pacer = redisPacer(client, prefix);
  let closed = false;

  function stateOf(key: string): KeyState {
    let state = states.get(key);
    if (state === undefined) {
      const base = `${prefix}lim:{${key}}:`;
      state = {
        keys: [`${base}holders`, `${base}queue`, `${base}alive`, `${base}seq`],
        channel: `${keyPrefix}${base}granted`,
        waiters: new Map(),
        held: new Set(),
        head: undefined,
        queued: 0,
        orphans: new Set(),
        subscribed: undefined,
        timer: undefined,
        timerAt: Number.POSITIVE_INFINITY,
      };
      states.set(key, state);
      byChannel.set(state.channel, state);
    }
    return state;
  }

  function onMessage(channel: string, message: string): void {
    const state = byChannel.get(channel);
    if (state === undefined) return;
    const [granted = '', head] = message.split('>');
    state.head = head || undefined;
    for (const ticket of granted.split(' ')) {
      if (ticket === '') continue;
      const waiter = state.waiters.get(ticket);
      if (waiter !== undefined) grant(state, waiter);
      // Ours but no longer wanted (its caller gave up in a race with the grant): give it back.
      else if (ticket.split('|')[1] === instance && !state.held.has(ticket)) leave(state, ticket);
    }
  }

  function subscribe(state: KeyState): Promise<void> {
    if (subscriber === undefined) {
      subscriber = subscriberOf(connection);
      subscriber.on('message', onMessage);
      // A lost connection loses its subscriptions: subscribe again once it is back, for every key
      // with callers waiting (until then, and for a grant published meanwhile, heartbeats poll).
      subscriber.on('close', () => {
        for (const s of states.values()) s.subscribed = undefined;
      });
      subscriber.on('ready', () => {
        for (const s of states.values()) if (s.waiters.size > 0) subscribe(s).catch(() => {});
      });
    }
    const listener = subscriber;
    state.subscribed ??= listener.subscribe(state.channel).then(
      () => undefined,
      (error: unknown) => {
        state.subscribed = undefined;
        throw error;
      },
    );
    return state.subscribed;
  }

  /**
   * Runs a script with EVAL, not EVALSHA: the server caches it by hash all the same, and no
   * NOSCRIPT retry can ever let a release overtake the acquire or heartbeat sent before it.
   */
  function call(state: KeyState, s: Script, args: readonly (string | number)[]): Promise<unknown> {
    return client.eval(s.lua, state.keys.length, ...state.keys, state.channel, leaseMs, ...args);
  }

  /**
   * Sends LEAVE for a ticket (after `after` settles, when given). A failure makes it an orphan,
   * left again on each heartbeat until Redis answers, so it never blocks a slot for a whole lease.
   */
  function leave(state: KeyState, ticket: string, after?: Promise<unknown>): void {
    const send = () => call(state, LEAVE, [ticket]);
    const done = (after ? after.then(send) : send())
      .then(
        (head) => {
          state.orphans.delete(ticket);
          state.head = (head as string) || undefined;
        },
        () => {
          state.orphans.add(ticket);
          arm(state, -1);
        },
      )
      .finally(() => leaving.delete(done));
    leaving.add(done);
  }

  function settle(state: KeyState, waiter: Waiter): boolean {
    if (waiter.settled) return false;
    waiter.settled = true;
    state.waiters.delete(waiter.ticket);
    if (waiter.queued) state.queued--;
    if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
    return true;
  }

  /**
   * Hands a slot Redis granted to its caller, unless this process already holds `max` slots of
   * the key: Redis may have lost its data, or a lease may have run out under a frozen process,
   * and then grants more than it should. The process-local cap holds whatever Redis says; the
   * parked grant (a live lease, renewed by heartbeats) goes to its caller when a slot is released.
   */
  function grant(state: KeyState, waiter: Waiter): void {
    if (waiter.settled) return;
    if (state.held.size >= waiter.max) {
      waiter.parked = true;
      if (!waiter.queued) {
        waiter.queued = true;
        state.queued++;
        arm(state, -1);
      }
      return;
    }
    if (!settle(state, waiter)) return;
    state.held.add(waiter.ticket);
    arm(state, -1);
    waiter.resolve(releaser(state, waiter.ticket));
  }

  function cancel(state: KeyState, waiter: Waiter, error: unknown): void {
    if (!settle(state, waiter)) return;
    if (waiter.inRedis) leave(state, waiter.ticket, waiter.sent);
    waiter.reject(error);
  }

  function releaser(state: KeyState, ticket: string): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      state.held.delete(ticket);
      const next = state.head === undefined ? undefined : state.waiters.get(state.head);
      if (next?.queued && !next.parked && next.max === maxOf(ticket) && !closed) {
        // The next in line is a caller of this process: hand it the slot now, and tell Redis after.
        state.head = undefined;
        transfer(state, ticket, next.ticket);
        grant(state, next);
      } else leave(state, ticket);
      for (const waiter of [...state.waiters.values()]) if (waiter.parked) grant(state, waiter);
    };
  }

  /**
   * Tells Redis that the slot of `from` went to `to` in this process (TRANSFER). Until it has
   * run, Redis counts `from` instead of `to`: the same number of slots. A failure leaves `from`
   * as an orphan; the heartbeat renews `to` as held.
   */
  function transfer(state: KeyState, from: string, to: string): void {
    const done = call(state, TRANSFER, [from, to])
      .then(
        (reply) => {
          state.head = (reply as [number, string])[1] || undefined;
        },
        () => {
          state.orphans.add(from);
          arm(state, -1);
        },
      )
      .finally(() => leaving.delete(done));
    leaving.add(done);
  }

  async function enqueue(state: KeyState, waiter: Waiter, max: number): Promise<void> {
    try {
      await subscribe(state);
      if (waiter.settled) return;
      waiter.inRedis = true;
      const [status, detail, head] = (await call(state, ACQUIRE, [waiter.ticket, max, maxQueue])) as [
        number,
        number,
        string | undefined,
      ];
      if (status !== -1) state.head = head || undefined;
      if (status === 1) grant(state, waiter);
      else if (status === -1) {
        cancel(
          state,
          waiter,
          concurrencyLimitError(`${detail} callers already wait for a slot (maxQueue ${maxQueue})`),
        );
      } else if (!waiter.settled && !waiter.queued) {
        waiter.queued = true;
        state.queued++;
        arm(state, detail);
      }
    } catch (error) {
      cancel(
        state,
        waiter,
        error instanceof ParleyError
          ? error
          : networkError('the Redis limiter could not be reached', 'not_sent', error),
      );
    }
  }

  /** Sets the key's one timer for its next heartbeat, sooner when the earliest lease runs out first. */
  function arm(state: KeyState, nextExpiryMs: number): void {
    const waiting = state.queued > 0;
    if (closed || (!waiting && state.held.size === 0 && state.orphans.size === 0)) return;
    const delay = waiting && nextExpiryMs >= 0 ? Math.min(beatMs, nextExpiryMs + 1) : beatMs;
    const at = Date.now() + delay;
    if (state.timer !== undefined && state.timerAt <= at) return;
    clearTimeout(state.timer);
    state.timerAt = at;
    state.timer = setTimeout(() => void beat(state), delay);
    state.timer.unref();
  }

  async function beat(state: KeyState): Promise<void> {
    state.timer = undefined;
    state.timerAt = Number.POSITIVE_INFINITY;
    const waiting = [...state.waiters.values()].filter((w) => w.queued).map((w) => w.ticket);
    const held = [...state.held];
    for (const ticket of state.orphans) leave(state, ticket);
    if (waiting.length === 0 && held.length === 0) return;
    let next = -1;
    try {
      const [nextExpiry, granted, head] = (await call(state, HEARTBEAT, [waiting.length, ...waiting, ...held])) as [
        number,
        string[],
        string,
      ];
      next = nextExpiry;
      state.head = head || undefined;
      for (const ticket of granted) {
        const waiter = state.waiters.get(ticket);
        if (waiter !== undefined) grant(state, waiter);
      }
    } catch {
      // Redis is unreachable for now: try again on the next beat (leases last many beats).
    }
    arm(state, next);
  }

  // Redis unreachable or too slow: a caller waiting in its queue would wait for a grant that may
  // never come (or never be heard of), so each waiter fails now with NETWORK, not sent.
  health.onFailing(() => {
    for (const state of states.values()) {
      for (const waiter of [...state.waiters.values()]) {
        cancel(state, waiter, health.error('Redis became unreachable or too slow while waiting for a slot'));
      }
    }
  });

  function acquire(key: string, { max, signal }: { max: number; signal?: AbortSignal }): Promise<Release> {
    if (!(max >= 1)) {
      return Promise.reject(configError([{ path: 'max', message: 'must be a number of at least 1' }]));
    }
    if (signal?.aborted) return Promise.reject(abortedError('not_sent', signal.reason));
    if (closed) return Promise.reject(abortedError('not_sent', new Error('the Redis limiter is closed')));
    const state = stateOf(key);
    const ticket = `${max}|${instance}|${++counter}`;
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = {
        ticket,
        max,
        resolve,
        reject,
        signal,
        onAbort: undefined,
        sent: Promise.resolve(),
        inRedis: false,
        queued: false,
        settled: false,
        parked: false,
      };
      state.waiters.set(ticket, waiter);
      if (signal) {
        waiter.onAbort = () => cancel(state, waiter, abortedError('not_sent', signal.reason));
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      waiter.sent = enqueue(state, waiter, max);
    });
  }

  return {
    acquire,
    pace: (key, paceOptions) => pacer.pace(key, paceOptions),
    feedback: (key, feedback) => pacer.feedback(key, feedback),
    async inspect(key) {
      const [active, waiting] = (await call(stateOf(key), INSPECT, [])) as [number, number];
      return { active, waiting };
    },
    async close() {
      if (closed) return;
      closed = true;
      pacer.close();
      const error = abortedError('not_sent', new Error('the Redis limiter was closed'));
      for (const state of states.values()) {
        clearTimeout(state.timer);
        state.timer = undefined;
        for (const waiter of [...state.waiters.values()]) cancel(state, waiter, error);
      }
      await Promise.allSettled([...leaving]);
      if (subscriber !== undefined) await quit(subscriber);
      if (owned) await quit(client);
      health.stop();
    },
  };
}
