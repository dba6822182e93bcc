const DAY = 86_400_000;

/** Wolkvox's daily request quota per token (seed 003: licences × 1000), counted per UTC day of `now()`. */
export class DailyQuota {
  readonly #limit: number;
  readonly #used = new Map<string, { day: number; count: number }>();

  constructor(limit: number) {
    if (!(Number.isInteger(limit) && limit >= 0))
      throw new RangeError('simulator: wolkvox.dailyLimit must be an integer >= 0');
    this.#limit = limit;
  }

  /** Counts one request; `false` when today's quota was already used up. */
  take(credential: string, now: number): boolean {
    const day = Math.floor(now / DAY);
    const entry = this.#used.get(credential);
    const count = entry?.day === day ? entry.count : 0;
    if (count >= this.#limit) return false;
    this.#used.set(credential, { day, count: count + 1 });
    return true;
  }

  used(credential: string, now: number): number {
    const entry = this.#used.get(credential);
    return entry?.day === Math.floor(now / DAY) ? entry.count : 0;
  }

  clear(): void {
    this.#used.clear();
  }
}
