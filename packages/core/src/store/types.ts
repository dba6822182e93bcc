import type { DeliveryStatus } from '../status.js';

/**
 * What Parley keeps about one sent message: enough to answer `getStatus`, to deduplicate
 * status events and, while `nextPollAt` is set, to poll it. Kept small on purpose
 * (well under 1 KiB), since a busy sender tracks many thousands at once.
 */
export interface MessageRecord {
  /** Parley's id (`SendResult.id`). */
  readonly id: string;
  /** Which account's poller may poll it: provider name plus a hash of the credential. */
  readonly scope: string;
  readonly providerMessageId?: string;
  /** The last status emitted for it. */
  status: DeliveryStatus;
  /** Epoch ms when the provider accepted it. */
  readonly acceptedAt: number;
  /** Epoch ms of the next status poll; absent when it is not (or no longer) polled. */
  nextPollAt?: number;
  /** The current poll interval (ms), grown by backoff. */
  intervalMs?: number;
  /** Consecutive failed polls. */
  failures?: number;
}

/**
 * The state seam. The in-memory default serves one process; a shared implementation
 * (Redis) lets several processes share tracked messages, counters and idempotency keys.
 * Every method may be async so a remote store can implement it.
 */
export interface Store {
  /**
   * True when other processes use the same state (Redis): trackers then look for due polls at
   * least every `maxIntervalMs`, so messages of a process that died are picked up.
   */
  readonly shared?: boolean;
  /** Saves (or replaces) a message record; it expires `ttlMs` after now. */
  putMessage(record: MessageRecord, ttlMs: number): Promise<void>;
  getMessage(id: string): Promise<MessageRecord | undefined>;
  deleteMessage(id: string): Promise<void>;
  /**
   * Takes up to `limit` records of `scope` whose `nextPollAt <= now`, earliest first, and
   * leases them: they are not returned again until saved with `putMessage`.
   */
  claimDue(scope: string, now: number, limit: number): Promise<MessageRecord[]>;
  /**
   * The earliest time a poll in `scope` may be due: the earliest `nextPollAt` among records not
   * leased or, in a store whose leases expire (one shared between processes), when the earliest
   * lease runs out, if sooner; `undefined` if neither.
   */
  nextDueAt(scope: string): Promise<number | undefined>;
  /**
   * Adds one to a counter and returns the new value. A counter that starts here expires `ttlMs`
   * after now (a fixed window: later increments keep that expiry). Relative, so that a store on
   * one clock and a messenger on another agree on when a window ends.
   */
  increment(key: string, ttlMs: number): Promise<number>;
  /** Reads a plain value. */
  get(key: string): Promise<string | undefined>;
  /** Stores a value for `ttlMs`; with `onlyIfAbsent`, does nothing and returns false if the key exists. */
  set(key: string, value: string, ttlMs: number, options?: { onlyIfAbsent?: boolean }): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Frees timers or connections. */
  close?(): Promise<void>;
}
