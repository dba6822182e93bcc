import { ParleyError } from '@parley/core';
import { configError, networkError } from '@parley/core/provider';
import { Redis, ReplyError } from 'ioredis';

/** Where to find Redis: a URL (a connection is opened and later closed by us) or a client you own. */
export interface RedisConnectionOptions {
  /** `redis://[[user]:password@]host[:port][/db]` or `rediss://…`. Default `redis://127.0.0.1:6379` when no `client` is given. */
  readonly url?: string;
  /**
   * An ioredis client to use instead of opening one. It stays yours: `close()` does not quit it.
   * Its `keyPrefix`, if any, is honoured; a `Cluster` is not supported.
   */
  readonly client?: Redis;
  /**
   * How long Redis may stay unreachable (ms) before operations fail with `NETWORK`: at start,
   * and after a lost connection. Past it, every operation fails at once until Redis answers
   * again. Default 1000.
   */
  readonly connectTimeoutMs?: number;
  /**
   * How long Redis may take to answer one command (ms). A command that takes longer fails with
   * `NETWORK`, and so does every operation after it until Redis answers in time again. Default 1000.
   */
  readonly commandTimeoutMs?: number;
}

/** A command connection and whether we opened it (and so must quit it). */
export interface Connection {
  /** The connection, with every Redis command bounded in time and failing as a `NETWORK` `ParleyError`. */
  readonly client: Redis;
  readonly owned: boolean;
  /** The client's own `keyPrefix`, which ioredis adds to declared keys but not to keys a script builds. */
  readonly keyPrefix: string;
  /** Whether Redis is known to be unreachable or too slow (operations fail at once), and when that changes. */
  readonly health: Health;
}

const DEFAULT_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_TIMEOUTS = { connectTimeoutMs: 1000, commandTimeoutMs: 1000 } as const;

interface Timeouts {
  readonly connectTimeoutMs: number;
  readonly commandTimeoutMs: number;
}

function timeoutsOf(options: RedisConnectionOptions): Timeouts {
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_TIMEOUTS.connectTimeoutMs;
  const commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_TIMEOUTS.commandTimeoutMs;
  const issues = [
    ...(Number.isSafeInteger(connectTimeoutMs) && connectTimeoutMs >= 1
      ? []
      : [{ path: 'connectTimeoutMs', message: 'must be an integer of at least 1' }]),
    ...(Number.isSafeInteger(commandTimeoutMs) && commandTimeoutMs >= 1
      ? []
      : [{ path: 'commandTimeoutMs', message: 'must be an integer of at least 1' }]),
  ];
  if (issues.length > 0) throw configError(issues);
  return { connectTimeoutMs, commandTimeoutMs };
}

/**
 * Opens (or adopts) the command connection. A connection we open never logs its own errors,
 * never queues a command while disconnected and never resends one after a lost connection (a
 * command is either sent once or fails): callers get a `NETWORK` `ParleyError` within the
 * timeouts, and ioredis keeps reconnecting meanwhile (every 50 ms to 1 s).
 */
export function connect(options: RedisConnectionOptions, what: string): Connection {
  if (options.url !== undefined && options.client !== undefined) {
    throw configError([{ path: 'url', message: `${what}: give either url or client, not both` }]);
  }
  const timeouts = timeoutsOf(options);
  if (options.client !== undefined) {
    const health = new Health(options.client, timeouts, what);
    return {
      client: guarded(options.client, health),
      owned: false,
      keyPrefix: options.client.options.keyPrefix ?? '',
      health,
    };
  }
  const client = new Redis(options.url ?? DEFAULT_URL, {
    connectTimeout: timeouts.connectTimeoutMs,
    commandTimeout: timeouts.commandTimeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times - 1, 5), 1000),
  });
  client.on('error', () => {});
  const health = new Health(client, timeouts, what);
  return { client: guarded(client, health), owned: true, keyPrefix: '', health };
}

/**
 * A second connection to the same server, for SUBSCRIBE (a subscribed connection runs nothing
 * else). Always ours; it shares the health of `of`, so trouble seen on either fails both fast.
 * It does not subscribe again by itself after a reconnection: its owner does, on `ready`.
 */
export function subscriberOf(of: Connection): Redis {
  // No autoResubscribe: ioredis's own resubscription leaves its promise unhandled, so a
  // connection lost again at once would reject it with nobody listening (and crash an app that
  // treats unhandled rejections as fatal). The limiter subscribes again itself on `ready`.
  const subscriber = of.health.raw.duplicate({ autoResubscribe: false });
  subscriber.on('error', () => {});
  of.health.watch(subscriber);
  return guarded(subscriber, of.health);
}

/** Quits a connection politely (pending replies first), or drops it if the server is gone. */
export async function quit(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}

const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref();
  });

/** Errors that Redis itself answered, which say nothing about reaching it (NOSCRIPT, WRONGTYPE, a script's error). */
function isReply(error: unknown): boolean {
  return (
    error instanceof ReplyError &&
    !/^(LOADING|BUSY|MASTERDOWN|TRYAGAIN)\b/.test(error instanceof Error ? error.message : '')
  );
}

/**
 * The health of one Redis server as seen by one limiter or store: `failing` once Redis stayed
 * unreachable for `connectTimeoutMs` or left a command unanswered for `commandTimeoutMs`. While
 * failing, operations fail at once (so core's retries cost nothing and a send's time stays
 * bounded); a PING that Redis answers in time ends it.
 */
export class Health {
  failing = false;
  readonly raw: Redis;
  readonly #timeouts: Timeouts;
  readonly #what: string;
  readonly #changes = new Set<() => void>();
  readonly #failingListeners = new Set<() => void>();
  readonly #clients = new Set<Redis>();
  #downTimer: NodeJS.Timeout | undefined;
  #probing = false;
  #stopped = false;

  constructor(raw: Redis, timeouts: Timeouts, what: string) {
    this.raw = raw;
    this.#timeouts = timeouts;
    this.#what = what;
    this.watch(raw);
  }

  /** Follows one connection to the server: a connection that is not ready for `connectTimeoutMs` means failing. */
  watch(client: Redis): void {
    this.#clients.add(client);
    const down = () => {
      if (this.#stopped || this.#downTimer !== undefined) return;
      this.#downTimer = setTimeout(() => {
        this.#downTimer = undefined;
        if ([...this.#clients].some((c) => c.status !== 'ready' && c.status !== 'end')) this.fail();
      }, this.#timeouts.connectTimeoutMs);
      this.#downTimer.unref();
    };
    client.on('close', down);
    client.on('ready', () => {
      if ([...this.#clients].every((c) => c.status === 'ready' || c.status === 'end' || c.status === 'wait')) {
        clearTimeout(this.#downTimer);
        this.#downTimer = undefined;
      }
      this.#changed();
      void this.#probe();
    });
    if (client.status !== 'ready' && client.status !== 'wait') down();
  }

  /** Calls `listener` each time the health turns to failing; returns its removal. */
  onFailing(listener: () => void): () => void {
    this.#failingListeners.add(listener);
    return () => this.#failingListeners.delete(listener);
  }

  /** Stops watching (timers and probes); the connections stay as they are. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#downTimer);
    this.#downTimer = undefined;
    this.#changed();
  }

  error(detail: string, cause?: unknown): ParleyError {
    return networkError(`${this.#what}: ${detail}`, 'not_sent', cause);
  }

  fail(): void {
    if (this.#stopped) return;
    const was = this.failing;
    this.failing = true;
    this.#changed();
    if (!was) for (const listener of [...this.#failingListeners]) listener();
    void this.#probe();
  }

  #changed(): void {
    for (const wake of [...this.#changes]) wake();
  }

  /** While failing and connected: PING until Redis answers in time. Not connected: the next `ready` probes. */
  async #probe(): Promise<void> {
    if (this.#probing) return;
    this.#probing = true;
    try {
      while (this.failing && !this.#stopped && this.raw.status === 'ready') {
        try {
          await this.#bounded(this.raw.ping());
          this.failing = false;
          this.#changed();
        } catch {
          await sleep(Math.min(200, this.#timeouts.commandTimeoutMs));
        }
      }
    } finally {
      this.#probing = false;
    }
  }

  #bounded<T>(promise: Promise<T>): Promise<T> {
    const ms = this.#timeouts.commandTimeoutMs;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(this.error(`Redis did not answer within ${ms} ms (commandTimeoutMs)`)), ms);
      promise.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  /** Waits until `client` is ready; rejects once the health is failing or the client ended. */
  #ready(client: Redis): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        this.#changes.delete(check);
        clearTimeout(timer);
      };
      const check = () => {
        if (client.status === 'end' || this.#stopped) {
          done();
          reject(this.error('the connection to Redis is closed'));
        } else if (this.failing) {
          done();
          reject(
            this.error(`Redis could not be reached within ${this.#timeouts.connectTimeoutMs} ms (connectTimeoutMs)`),
          );
        } else if (client.status === 'ready') {
          done();
          resolve();
        }
      };
      const timer = setTimeout(() => this.fail(), this.#timeouts.connectTimeoutMs);
      this.#changes.add(check);
      if (client.status === 'wait') client.connect().catch(() => {});
      check();
    });
  }

  /**
   * Runs one command: at once when connected, after the connection is back when it was lost
   * (within `connectTimeoutMs`), never while failing. Errors other than Redis's own answers
   * become `NETWORK` `ParleyError`s; a command left unanswered makes the health failing.
   */
  async run<T>(client: Redis, command: () => Promise<T>): Promise<T> {
    if (this.failing) {
      throw this.error('Redis is unreachable or too slow (failing fast until it answers in time again)');
    }
    if (client.status !== 'ready') await this.#ready(client);
    try {
      const result = await this.#bounded(command());
      return result;
    } catch (error) {
      if (isReply(error)) throw error;
      if (error instanceof ParleyError) {
        this.fail();
        throw error;
      }
      const message = error instanceof Error ? error.message : String(error);
      if (/timed out/i.test(message)) {
        this.fail();
        throw this.error(`Redis did not answer within ${this.#timeouts.commandTimeoutMs} ms (commandTimeoutMs)`, error);
      }
      throw this.error('the connection to Redis failed', error);
    }
  }
}

/** `client` with every Redis command run through `health` (the rest of its API as it is). */
function guarded(client: Redis, health: Health): Redis {
  const commands = new Set(client.getBuiltinCommands());
  commands.delete('quit');
  return new Proxy(client, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (typeof property === 'string' && commands.has(property)) {
        return (...args: unknown[]) =>
          health.run(target, () => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
}
