import { mulberry32 } from './random.js';

/** A fixed delay in ms, or a `[min, max]` range drawn uniformly per request. */
export type Latency = number | readonly [min: number, max: number];

/** Injected faults, applied to both providers, each request rolled once in arrival order. */
export interface FaultOptions {
  /** Share (0..1) of requests answered with the provider's server error. Default 0. */
  readonly errorRate?: number;
  /** Share (0..1) of requests whose socket is destroyed after the request was read, unanswered. Default 0. */
  readonly dropRate?: number;
  /** PRNG seed: the same seed and the same request order give the same faults and latencies. Default 1. */
  readonly seed?: number;
}

/** What one request drew: every request draws the same four numbers, so a seed replays exactly. */
export interface Rolls {
  readonly drop: boolean;
  readonly error: boolean;
  readonly latencyMs: number;
  /** A uniform draw in [0, 1) that providers use for their own shares (DecisionTelecom's errors under HTTP 200). */
  readonly extra: number;
}

export const DEFAULT_SEED = 1;

function checkRate(name: string, value: number | undefined): number {
  if (value === undefined) return 0;
  if (!(value >= 0 && value <= 1)) throw new RangeError(`simulator: ${name} must be a number from 0 to 1`);
  return value;
}

function checkLatency(latency: Latency | undefined): readonly [number, number] {
  if (latency === undefined) return [0, 0];
  const [min, max] = typeof latency === 'number' ? [latency, latency] : latency;
  if (!(min >= 0 && max >= min && Number.isFinite(max))) {
    throw new RangeError('simulator: latencyMs must be a number >= 0 or a [min, max] pair with 0 <= min <= max');
  }
  return [min, max];
}

/**
 * The dice of the simulator: latency, dropped connections and server errors, all from one
 * seeded PRNG so a test or benchmark can replay them.
 *
 * @example
 * const faults = new Faults(50, { errorRate: 0.1, seed: 7 });
 * const { error, latencyMs } = faults.roll();
 */
export class Faults {
  #latency: readonly [number, number];
  #errorRate: number;
  #dropRate: number;
  #next: () => number;

  constructor(latency?: Latency, faults: FaultOptions = {}) {
    this.#latency = checkLatency(latency);
    this.#errorRate = checkRate('faults.errorRate', faults.errorRate);
    this.#dropRate = checkRate('faults.dropRate', faults.dropRate);
    this.#next = mulberry32(faults.seed ?? DEFAULT_SEED);
  }

  /** Replaces the latency; the PRNG stream carries on. */
  setLatency(latency: Latency): void {
    this.#latency = checkLatency(latency);
  }

  /** Replaces the rates (omitted ones become 0); a given `seed` restarts the PRNG stream. */
  setFaults(faults: FaultOptions): void {
    const errorRate = checkRate('faults.errorRate', faults.errorRate);
    const dropRate = checkRate('faults.dropRate', faults.dropRate);
    this.#errorRate = errorRate;
    this.#dropRate = dropRate;
    if (faults.seed !== undefined) this.#next = mulberry32(faults.seed);
  }

  roll(): Rolls {
    const drop = this.#next() < this.#dropRate;
    const error = this.#next() < this.#errorRate;
    const [min, max] = this.#latency;
    const latencyMs = Math.round(min + (max - min) * this.#next());
    return { drop, error, latencyMs, extra: this.#next() };
  }
}
