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
  /** Epoch ms (the messenger's clock) when `status` took effect; rises with every advance. */
  statusAt?: number;
  /** Epoch ms when the provider accepted it. */
  readonly acceptedAt: number;
  /** Epoch ms of the next status poll; absent when it is not (or no longer) polled. */
  nextPollAt?: number;
  /** The current poll interval (ms), grown by backoff. */
  intervalMs?: number;
  /** Consecutive failed polls. */
  failures?: number;
}

/** What `Store.advanceStatus` is asked to apply. */
export interface StatusAdvance {
  readonly status: DeliveryStatus;
  /** Epoch ms of the change on the messenger's clock. */
  readonly at: number;
  /**
   * When the store has no record of the message, create this one first (its status is taken as
   * `accepted`, its time `acceptedAt`), then advance it; it expires `ttlMs` after now. When the
   * record exists, only the fields it lacks are filled in: `providerMessageId`, and the poll
   * schedule (`nextPollAt`, `intervalMs`) unless its status is final. Without `create`, a message
   * the store does not know is left alone.
   */
  readonly create?: MessageRecord;
  /** How long a record created here lives (ms). */
  readonly ttlMs?: number;
}

/** What `Store.advanceStatus` did. */
export interface StatusAdvanceResult {
  /** True when this call created the record: its `accepted` is this caller's to emit. */
  readonly created: boolean;
  /**
   * True when the status moved forward in the unified order: this caller's to emit, and nobody
   * else's. Asking for `accepted` advances only when the record was created.
   */
  readonly advanced: boolean;
  /** The stored status after the call (`undefined` when there is no record). */
  readonly status: DeliveryStatus | undefined;
  /**
   * When the change took effect: the requested `at`, or 1 ms after the previous change if that
   * was later (another process's clock may run ahead), so the times of one message rise strictly.
   */
  readonly at: number;
}

/** A message's poll schedule, as `Store.schedule` sets it. */
export interface PollSchedule {
  readonly nextPollAt: number;
  readonly intervalMs: number;
  readonly failures: number;
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
  /**
   * Saves (or replaces) a message record whole; it expires `ttlMs` after now. Core itself writes
   * records only through `advanceStatus` and `schedule`, which never lose a concurrent change.
   */
  putMessage(record: MessageRecord, ttlMs: number): Promise<void>;
  /**
   * The one atomic step by which a message's status changes: applies `advance.status` only if it
   * moves forward in the unified order (`statusRank`; nothing after a final status), and says
   * whether it did. A final status also takes the message off the poll schedule (and out of any
   * lease) in the same step. The record keeps its expiry.
   */
  advanceStatus(id: string, advance: StatusAdvance): Promise<StatusAdvanceResult>;
  /**
   * Sets a message's poll schedule (`undefined`: polls it no more), ending any lease on it; never
   * changes its status. A message whose status is final, or that is gone, is not scheduled.
   * Returns whether the message is on the schedule now.
   */
  schedule(id: string, schedule: PollSchedule | undefined): Promise<boolean>;
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
   * lease runs out, if sooner (told on the caller's clock, `now`, default `Date.now()`);
   * `undefined` if neither.
   */
  nextDueAt(scope: string, now?: number): Promise<number | undefined>;
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
