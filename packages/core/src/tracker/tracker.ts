import { unexpectedError } from '../errors/factories.js';
import { ParleyError } from '../errors/ParleyError.js';
import type { ProviderStatus } from '../provider.js';
import { isFinalStatus } from '../status.js';
import type { MessageRecord, Store } from '../store/types.js';
import type { StatusHub } from './hub.js';

export interface TrackerOptions {
  readonly firstPollMs: number;
  readonly maxIntervalMs: number;
  readonly maxAgeMs: number;
  /** Polls in flight at once. Default 8. */
  readonly maxConcurrentPolls?: number;
  /** Consecutive failed polls of one message before an `error` event (and again every so many). Default 3. */
  readonly failuresBeforeError?: number;
}

export interface TrackerDeps {
  readonly scope: string;
  readonly store: Store;
  readonly hub: StatusHub;
  readonly poll: (record: MessageRecord) => Promise<ProviderStatus>;
  readonly onError: (error: ParleyError) => void;
  readonly now?: () => number;
}

export const DEFAULT_TRACKING = { firstPollMs: 2_000, maxIntervalMs: 300_000, maxAgeMs: 86_400_000 } as const;

/**
 * Polls every tracked message of one account until its status is final or it is older than
 * `maxAgeMs`, with ONE timer for all of them: the store keeps the schedule (a heap in memory),
 * the timer is set for the earliest due poll. Intervals double from `firstPollMs` up to
 * `maxIntervalMs`; a `delivered` message is polled more slowly still (four times the interval)
 * while it waits to be read.
 */
export class StatusTracker {
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private inFlight = 0;
  private readonly polls = new Set<Promise<void>>();
  private stopped = false;
  private readonly now: () => number;
  private readonly maxConcurrent: number;
  private readonly failuresBeforeError: number;

  constructor(
    private readonly options: TrackerOptions,
    private readonly deps: TrackerDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.maxConcurrent = options.maxConcurrentPolls ?? 8;
    this.failuresBeforeError = options.failuresBeforeError ?? 3;
  }

  /**
   * The first poll of a message just accepted, for its record (written once, by the hub), or
   * `undefined` once the tracker is stopped.
   */
  firstSchedule(): { nextPollAt: number; intervalMs: number } | undefined {
    if (this.stopped) return undefined;
    return { nextPollAt: this.now() + this.options.firstPollMs, intervalMs: this.options.firstPollMs };
  }

  /** Sets the timer for a poll the store now holds at `at`. */
  scheduled(at: number): void {
    this.arm(at);
  }

  /** Looks for due polls again (after a restart with a shared store, say). */
  resume(): void {
    void this.reschedule().catch((error: unknown) => this.report(error));
  }

  /** Stops the timer and waits for polls in flight to settle. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimer();
    await Promise.allSettled([...this.polls]);
  }

  /** Timers this tracker holds: 0 or 1, whatever the number of messages. */
  get timerCount(): number {
    return this.timer === undefined ? 0 : 1;
  }

  private arm(at: number): void {
    if (this.stopped || at >= this.timerAt) return;
    this.clearTimer();
    this.timerAt = at;
    this.timer = setTimeout(() => this.tick(), Math.max(0, at - this.now()));
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
  }

  private tick(): void {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    void this.pump().catch((error: unknown) => this.report(error));
  }

  /** Starts due polls up to the concurrency cap, then sets the timer for the next one. */
  private async pump(): Promise<void> {
    if (this.stopped) return;
    const room = this.maxConcurrent - this.inFlight;
    if (room > 0) {
      const due = await this.deps.store.claimDue(this.deps.scope, this.now(), room);
      for (const record of due) this.start(record);
    }
    if (this.inFlight < this.maxConcurrent) await this.reschedule();
  }

  private async reschedule(): Promise<void> {
    const next = await this.deps.store.nextDueAt(this.deps.scope, this.now());
    // Another process sharing the store may leave work here at any time: look again now and then.
    const recheck = this.deps.store.shared ? this.now() + this.options.maxIntervalMs : undefined;
    const at = next === undefined ? recheck : recheck === undefined ? next : Math.min(next, recheck);
    if (at !== undefined) this.arm(at);
  }

  private start(record: MessageRecord): void {
    this.inFlight++;
    const task = this.pollOne(record)
      .catch((error: unknown) => this.report(error))
      .finally(() => {
        this.inFlight--;
        this.polls.delete(task);
        if (!this.stopped) void this.pump().catch((error: unknown) => this.report(error));
      });
    this.polls.add(task);
  }

  /**
   * Polls one claimed message. Its status changes only through the hub's atomic advance (a poll
   * answer that lost a race to a callback changes nothing); its schedule only through
   * `Store.schedule`, which never puts back a message that became final meanwhile.
   */
  private async pollOne(record: MessageRecord): Promise<void> {
    const { store, hub } = this.deps;
    if (this.now() - record.acceptedAt >= this.options.maxAgeMs || isFinalStatus(record.status)) {
      return this.finish(record);
    }
    let status = record.status;
    try {
      const answer = await this.deps.poll(record);
      record.failures = 0;
      const outcome = await hub.advance(record.id, answer);
      if (outcome.status === undefined) return; // the record is gone (expired or deleted)
      status = outcome.status;
    } catch (error) {
      if (this.stopped) return this.release(record); // abandoned by close(), not a failure
      record.failures = (record.failures ?? 0) + 1;
      if (record.failures % this.failuresBeforeError === 0) this.report(error, record);
    }
    // A final status took the message off the schedule in the same step that made it final.
    if (isFinalStatus(status)) return;
    if (this.stopped) return this.release(record);
    const intervalMs = Math.min(this.options.maxIntervalMs, (record.intervalMs ?? this.options.firstPollMs) * 2);
    const wait = status === 'delivered' ? Math.min(this.options.maxIntervalMs, intervalMs * 4) : intervalMs;
    const nextPollAt = Math.min(this.now() + wait, record.acceptedAt + this.options.maxAgeMs);
    await store.schedule(record.id, { nextPollAt, intervalMs, failures: record.failures ?? 0 });
  }

  /** Gives a claimed record back to the schedule, due now, for whichever tracker resumes it. */
  private async release(record: MessageRecord): Promise<void> {
    await this.deps.store.schedule(record.id, {
      nextPollAt: Math.min(this.now(), record.nextPollAt ?? this.now()),
      intervalMs: record.intervalMs ?? this.options.firstPollMs,
      failures: record.failures ?? 0,
    });
  }

  /** Keeps the record (for `getStatus` and webhooks) but polls it no more. */
  private async finish(record: MessageRecord): Promise<void> {
    await this.deps.store.schedule(record.id, undefined);
  }

  private report(error: unknown, record?: MessageRecord): void {
    const base = error instanceof ParleyError ? error : unexpectedError('Status tracking failed', error);
    const detail = record ? ` (message ${record.id}, ${record.failures} failed polls in a row)` : '';
    this.deps.onError(base.with({ message: `Status poll failed${detail}: ${base.message}`, cause: error }));
  }
}
