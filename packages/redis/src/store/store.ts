import type { DeliveryStatus, MessageRecord, Store } from '@parley/core';
import { configError } from '@parley/core/provider';
import { connect, quit, type RedisConnectionOptions } from '../connection.js';
import { run } from '../script.js';
import { ADVANCE, CLAIM, DELETE, INCREMENT, NEXT_DUE, PUT, SCHEDULE } from './scripts.js';

export interface RedisStoreOptions extends RedisConnectionOptions {
  /**
   * How long a claimed message stays leased to the process polling it (ms). A process that dies
   * mid-poll gives its messages back to the schedule after this. Default 300 000: longer than a
   * status poll with its retries (3 attempts of at most 30 s, with backoff).
   */
  readonly leaseMs?: number;
  /** Prefix of every Redis key. Default `parley:`. */
  readonly prefix?: string;
}

/** A `Store` in Redis, shared by every process that uses the same Redis and prefix. */
export interface RedisStore extends Store {
  /** Quits the connection if this store opened it; a client passed in stays open. */
  close(): Promise<void>;
}

const DEFAULTS = { leaseMs: 300_000, prefix: 'parley:' } as const;

/** Redis wants whole milliseconds; a fraction of one still counts as one. */
const wholeMs = (ms: number) => Math.ceil(ms);

/**
 * Tracked messages, daily quota counters and idempotency keys in Redis, each method one atomic
 * command or Lua script. Messages are JSON strings with a PX expiry; each scope's poll schedule
 * is a sorted set scored by `nextPollAt`; `claimDue` moves due ids to a lease set in the same
 * script, so two processes never poll one message at once, and a lease whose poller died runs
 * out and puts the message back on the schedule.
 *
 * @example
 * import { createMessenger } from '@parley/core';
 * import { decisionTelecom } from '@parley/adapter-decisiontelecom';
 * import { redisStore } from '@parley/redis';
 *
 * const store = redisStore({ url: process.env.REDIS_URL });
 * const messenger = createMessenger(config, { providers: [decisionTelecom], store });
 * // …
 * await messenger.close();
 * await store.close();
 */
export function redisStore(options: RedisStoreOptions = {}): RedisStore {
  const leaseMs = options.leaseMs ?? DEFAULTS.leaseMs;
  if (!(Number.isSafeInteger(leaseMs) && leaseMs >= 1)) {
    throw configError([{ path: 'leaseMs', message: 'must be an integer of at least 1' }]);
  }
  const { client, owned, keyPrefix, health } = connect(options, 'redisStore');
  const prefix = options.prefix ?? DEFAULTS.prefix;
  const messages = `${prefix}{msg}:`;
  // Keys a script builds itself do not get the client's keyPrefix from ioredis: add it here.
  const scheduleBase = `${keyPrefix}${messages}`;
  const recordPrefix = `${scheduleBase}r:`;
  const record = (id: string) => `${messages}r:${id}`;
  const schedule = (scope: string) => [`${messages}due:${scope}`, `${messages}lease:${scope}`];
  const value = (key: string) => `${prefix}kv:${key}`;
  const parse = (json: string) => JSON.parse(json) as MessageRecord;

  return {
    shared: true,
    async putMessage(r, ttlMs) {
      const at = r.nextPollAt;
      const scheduled = at !== undefined && !Number.isNaN(at);
      await run(
        client,
        PUT,
        [record(r.id), ...schedule(r.scope)],
        [JSON.stringify(r), wholeMs(ttlMs), r.id, scheduled ? at : '', scheduleBase, r.scope],
      );
    },

    async getMessage(id) {
      const json = await client.get(record(id));
      return json === null ? undefined : parse(json);
    },

    async advanceStatus(id, advance) {
      // Plain EVAL, not EVALSHA with a fallback: two advances of one process must reach Redis,
      // and come back, in the order they were made, or its events could come out of order.
      const create = advance.create === undefined ? '' : JSON.stringify(advance.create);
      const ttl = advance.ttlMs === undefined ? 1 : wholeMs(advance.ttlMs);
      const [created, advanced, status, at] = (await client.eval(
        ADVANCE.lua,
        1,
        record(id),
        id,
        advance.status,
        Math.floor(advance.at),
        create,
        ttl,
        scheduleBase,
      )) as [number, number, DeliveryStatus | null, string];
      return { created: created === 1, advanced: advanced === 1, status: status ?? undefined, at: Number(at) };
    },

    async schedule(id, next) {
      const args =
        next === undefined
          ? [id, '', '', '', scheduleBase]
          : [id, next.nextPollAt, next.intervalMs, next.failures, scheduleBase];
      return (await run(client, SCHEDULE, [record(id)], args)) === 1;
    },

    async deleteMessage(id) {
      await run(client, DELETE, [record(id)], [id, scheduleBase]);
    },

    async claimDue(scope, now, limit) {
      if (!(limit >= 1)) return [];
      const claimed = (await run(client, CLAIM, schedule(scope), [now, Math.floor(limit), leaseMs, recordPrefix])) as
        | string[]
        | null;
      return (claimed ?? []).map(parse);
    },

    async nextDueAt(scope, now = Date.now()) {
      const [first, leaseLeft] = (await run(client, NEXT_DUE, schedule(scope), [recordPrefix])) as [
        string | null,
        number | null,
      ];
      // A lease that runs out makes its message due again: say when, on this process's clock.
      const candidates = [
        ...(first === null ? [] : [Number(first)]),
        ...(leaseLeft === null ? [] : [now + Math.max(0, leaseLeft) + 1]),
      ];
      return candidates.length === 0 ? undefined : Math.min(...candidates);
    },

    async increment(key, ttlMs) {
      return Number(await run(client, INCREMENT, [value(key)], [ttlMs > 0 ? wholeMs(ttlMs) : 0]));
    },

    async get(key) {
      return (await client.get(value(key))) ?? undefined;
    },

    async set(key, v, ttlMs, setOptions) {
      const onlyIfAbsent = setOptions?.onlyIfAbsent === true;
      if (ttlMs <= 0) {
        // Nothing is stored: only say whether a write would have been allowed.
        if (onlyIfAbsent) return (await client.exists(value(key))) === 0;
        await client.del(value(key));
        return true;
      }
      const ms = wholeMs(ttlMs);
      const reply = onlyIfAbsent
        ? await client.set(value(key), v, 'PX', ms, 'NX')
        : await client.set(value(key), v, 'PX', ms);
      return reply === 'OK';
    },

    async delete(key) {
      await client.del(value(key));
    },

    async close() {
      if (owned) await quit(client);
      health.stop();
    },
  };
}
