import type { Due } from '../heap.js';
import { CallbackDispatcher } from './dispatcher.js';
import { Progression, type ProgressionOptions, TIMELINES } from './progression.js';
import { CallbackScheduler } from './scheduler.js';
import { isFinalDtStatus } from './status.js';
import { MessageStore } from './store.js';
import type { DecisionTelecomMessage } from './types.js';

export interface LedgerOptions {
  readonly now: () => number;
  readonly seed: number;
  readonly firstId: bigint;
  readonly progression: ProgressionOptions | undefined;
  readonly callbacks: boolean;
  readonly maxRecorded: number;
}

/**
 * The accepted messages and everything that happens to them afterwards: statuses computed on
 * read, and callbacks for each change.
 */
export class Ledger {
  readonly store: MessageStore;
  readonly progression: Progression;
  readonly dispatcher: CallbackDispatcher;
  readonly #scheduler: CallbackScheduler;
  readonly #now: () => number;
  readonly #callbacks: boolean;
  /** Messages accepted since start, across resets: the outcome sequence position. */
  #accepted = 0;

  constructor(options: LedgerOptions) {
    this.#now = options.now;
    this.#callbacks = options.callbacks;
    this.store = new MessageStore(options.firstId);
    this.progression = new Progression(options.progression, options.seed);
    this.dispatcher = new CallbackDispatcher({ now: options.now, maxRecorded: options.maxRecorded });
    this.#scheduler = new CallbackScheduler(options.now, (due) => this.#onDue(due));
  }

  /** Stores a new message; returns its id. */
  accept(callbackUrl: string | undefined): bigint {
    const now = this.#now();
    const url = this.#callbacks ? callbackUrl : undefined;
    const index = this.store.add(now, this.progression.outcomeFor(this.#accepted++), url);
    if (url !== undefined) this.#scheduler.schedule(now + this.progression.stepMs, index, 1);
    return this.store.idOf(index);
  }

  statusOf(index: number, now = this.#now()): number {
    return (
      this.store.override(index) ??
      this.progression.statusAt(this.store.outcome(index), this.store.createdAt(index), now)
    );
  }

  /** When the status of `index` next moves by itself after `now`; `undefined` when it never will. */
  nextChangeAt(index: number, now = this.#now()): number | undefined {
    if (this.store.override(index) !== undefined) return undefined;
    const outcome = this.store.outcome(index);
    const createdAt = this.store.createdAt(index);
    const step = this.progression.stepAt(outcome, createdAt, now);
    if (step >= TIMELINES[outcome]!.length - 1) return undefined;
    return createdAt + (step + 1) * this.progression.stepMs;
  }

  describe(index: number): DecisionTelecomMessage {
    const status = this.statusOf(index);
    return {
      id: String(this.store.idOf(index)),
      status,
      final: isFinalDtStatus(status),
      acceptedAt: this.store.createdAt(index),
      callbackUrl: this.store.callbackUrl(index),
      overridden: this.store.override(index) !== undefined,
    };
  }

  setStatus(index: number, code: number): void {
    const before = this.statusOf(index);
    this.store.setOverride(index, code);
    const url = this.store.callbackUrl(index);
    if (url !== undefined && before !== code) this.dispatcher.post(index, url, this.store.idOf(index), code);
  }

  #onDue({ index, step }: Due): void {
    // setStatus took the message over: its natural changes no longer happen.
    if (this.store.override(index) !== undefined) return;
    const url = this.store.callbackUrl(index);
    if (url === undefined) return;
    const timeline = TIMELINES[this.store.outcome(index)]!;
    this.dispatcher.post(index, url, this.store.idOf(index), timeline[step]!);
    if (step + 1 < timeline.length) {
      this.#scheduler.schedule(this.store.createdAt(index) + (step + 1) * this.progression.stepMs, index, step + 1);
    }
  }

  async flush(): Promise<void> {
    this.#scheduler.runDue();
    await this.dispatcher.idle();
  }

  reset(): void {
    this.#scheduler.clear();
    this.store.clear();
    this.dispatcher.clear();
  }

  close(): void {
    this.#scheduler.close();
    this.dispatcher.close();
  }
}
