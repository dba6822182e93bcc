/** Where a forced failure applies: one endpoint, or `'any'`. */
export interface FailNextOptions<E extends string> {
  /** How many matching requests fail this way. Default 1. */
  readonly times?: number;
  readonly endpoint?: E | 'any';
}

/** Failures a test asked for with `failNext`, consumed in the order asked by the requests they match. */
export class FailQueue<K extends string, E extends string> {
  readonly #items: { kind: K; endpoint: E | 'any'; times: number }[] = [];

  add(kind: K, endpoint: E | 'any', times: number): void {
    if (!(Number.isInteger(times) && times >= 1))
      throw new RangeError('simulator: failNext times must be an integer >= 1');
    this.#items.push({ kind, endpoint, times });
  }

  /** The failure the next request to `endpoint` must suffer, if any. */
  take(endpoint: E | undefined): K | undefined {
    const i = this.#items.findIndex((item) => item.endpoint === 'any' || item.endpoint === endpoint);
    const item = this.#items[i];
    if (item === undefined) return undefined;
    if (--item.times === 0) this.#items.splice(i, 1);
    return item.kind;
  }

  /** The failures still to come, in the order they will be used. */
  list(): { kind: K; endpoint: E | 'any'; times: number }[] {
    return this.#items.map((item) => ({ ...item }));
  }

  clear(): void {
    this.#items.length = 0;
  }
}
