/** A bounded log that keeps the newest `capacity` entries, so a benchmark's 100 000 requests cost a fixed amount of memory. */
export class RingLog<T> {
  readonly #items: T[] = [];
  #start = 0;
  readonly #capacity: number;

  constructor(capacity: number) {
    if (!(Number.isInteger(capacity) && capacity >= 0)) {
      throw new RangeError('simulator: a log capacity must be an integer >= 0');
    }
    this.#capacity = capacity;
  }

  push(item: T): void {
    if (this.#capacity === 0) return;
    if (this.#items.length < this.#capacity) {
      this.#items.push(item);
      return;
    }
    this.#items[this.#start] = item;
    this.#start = (this.#start + 1) % this.#capacity;
  }

  /** The kept entries, oldest first, as a fresh array. */
  toArray(): T[] {
    return [...this.#items.slice(this.#start), ...this.#items.slice(0, this.#start)];
  }

  clear(): void {
    this.#items.length = 0;
    this.#start = 0;
  }
}
