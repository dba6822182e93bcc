import { mulberry32 } from '../random.js';
import { DT_STATUS } from './status.js';

/** Relative weights of how messages end. Omitted ones count 0 when any is given. */
export interface OutcomeWeights {
  /** pending → sent → delivered → seen. */
  readonly seen?: number;
  /** pending → sent → delivered, and stays delivered (the customer never reads it). */
  readonly delivered?: number;
  /** pending → rejected. */
  readonly rejected?: number;
  /** pending → sent → failed. */
  readonly failed?: number;
}

export interface ProgressionOptions {
  /** Time between two status changes of a message, in ms. Default 1000. */
  readonly stepMs?: number;
  /** Default `{ seen: 85, delivered: 5, rejected: 5, failed: 5 }`. */
  readonly outcomes?: OutcomeWeights;
}

const { pending, sent, delivered, seen, rejected, failed } = DT_STATUS;

/** Each outcome's statuses, one per step, the first at acceptance. Index = outcome number. */
export const TIMELINES: readonly (readonly number[])[] = [
  [pending, sent, delivered, seen],
  [pending, sent, delivered],
  [pending, rejected],
  [pending, sent, failed],
];

const OUTCOME_ORDER = ['seen', 'delivered', 'rejected', 'failed'] as const;
const DEFAULT_WEIGHTS: Required<OutcomeWeights> = { seen: 85, delivered: 5, rejected: 5, failed: 5 };
const GOLDEN = 0.618_033_988_749_895;

/**
 * How a message's status moves with time: computed from its acceptance time on read, never
 * by a timer per message. The outcome of the n-th message comes from a seeded low-discrepancy
 * sequence, so any run of messages ends rejected or failed in very nearly the configured share,
 * and the same seed picks the same messages.
 *
 * @example
 * const p = new Progression({ stepMs: 100, outcomes: { seen: 9, failed: 1 } }, 1);
 * const outcome = p.outcomeFor(0); // 0 (seen) or 3 (failed), the same for seed 1 every run
 * p.statusAt(outcome, 0, 150); // 0: sent, one step after acceptance
 */
export class Progression {
  readonly stepMs: number;
  readonly #bounds: number[];
  readonly #offset: number;

  constructor(options: ProgressionOptions = {}, seed = 1) {
    const stepMs = options.stepMs ?? 1000;
    if (!(stepMs >= 0 && Number.isFinite(stepMs))) throw new RangeError('simulator: progression.stepMs must be >= 0');
    this.stepMs = stepMs;
    const weights = options.outcomes === undefined ? DEFAULT_WEIGHTS : options.outcomes;
    const values = OUTCOME_ORDER.map((name) => weights[name] ?? 0);
    const total = values.reduce((a, b) => a + b, 0);
    if (!(values.every((w) => w >= 0 && Number.isFinite(w)) && total > 0)) {
      throw new RangeError('simulator: progression.outcomes must be weights >= 0 with a positive sum');
    }
    let acc = 0;
    this.#bounds = values.map((w) => (acc += w / total));
    this.#offset = mulberry32(seed ^ 0x9e3779b9)();
  }

  /** The outcome (index into `TIMELINES`) of the message accepted `seq`-th, from 0. */
  outcomeFor(seq: number): number {
    const u = (this.#offset + seq * GOLDEN) % 1;
    const i = this.#bounds.findIndex((bound) => u < bound);
    return i === -1 ? this.#bounds.length - 1 : i;
  }

  /** The timeline step reached at `now` by a message accepted at `createdAt`. */
  stepAt(outcome: number, createdAt: number, now: number): number {
    const last = TIMELINES[outcome]!.length - 1;
    if (this.stepMs === 0) return last;
    return Math.max(0, Math.min(last, Math.floor((now - createdAt) / this.stepMs)));
  }

  statusAt(outcome: number, createdAt: number, now: number): number {
    return TIMELINES[outcome]![this.stepAt(outcome, createdAt, now)]!;
  }
}
