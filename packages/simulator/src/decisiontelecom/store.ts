const NO_OVERRIDE = -1;

/**
 * Accepted messages in columns of typed arrays: ids are consecutive from `firstId`, so an id is
 * its row, and a message costs 11 bytes plus its `callback_url` when it has one. 100 000
 * messages fit in about 1.4 MB.
 */
export class MessageStore {
  #first: bigint;
  #count = 0;
  #createdAt = new Float64Array(1024);
  #outcome = new Uint8Array(1024);
  #override = new Int16Array(1024).fill(NO_OVERRIDE);
  readonly #callbacks = new Map<number, string>();

  constructor(firstId: bigint) {
    this.#first = firstId;
  }

  get size(): number {
    return this.#count;
  }

  /** The id the next message will get. */
  get nextId(): bigint {
    return this.#first + BigInt(this.#count);
  }

  #grow(): void {
    const capacity = this.#createdAt.length * 2;
    const createdAt = new Float64Array(capacity);
    createdAt.set(this.#createdAt);
    const outcome = new Uint8Array(capacity);
    outcome.set(this.#outcome);
    const override = new Int16Array(capacity).fill(NO_OVERRIDE);
    override.set(this.#override);
    this.#createdAt = createdAt;
    this.#outcome = outcome;
    this.#override = override;
  }

  /** Stores a message; returns its row. */
  add(createdAt: number, outcome: number, callbackUrl: string | undefined): number {
    if (this.#count === this.#createdAt.length) this.#grow();
    const index = this.#count++;
    this.#createdAt[index] = createdAt;
    this.#outcome[index] = outcome;
    if (callbackUrl !== undefined) this.#callbacks.set(index, callbackUrl);
    return index;
  }

  idOf(index: number): bigint {
    return this.#first + BigInt(index);
  }

  /** The row of `id`, or `undefined` when no such message is kept. */
  indexOf(id: bigint): number | undefined {
    const offset = id - this.#first;
    return offset >= 0n && offset < BigInt(this.#count) ? Number(offset) : undefined;
  }

  createdAt(index: number): number {
    return this.#createdAt[index]!;
  }

  outcome(index: number): number {
    return this.#outcome[index]!;
  }

  /** A status forced by `setStatus`, or `undefined`. */
  override(index: number): number | undefined {
    const code = this.#override[index]!;
    return code === NO_OVERRIDE ? undefined : code;
  }

  setOverride(index: number, code: number): void {
    this.#override[index] = code;
  }

  callbackUrl(index: number): string | undefined {
    return this.#callbacks.get(index);
  }

  /** Forgets every message; ids carry on from where they were, so none is ever reused. */
  clear(): void {
    this.#first = this.nextId;
    this.#count = 0;
    this.#createdAt = new Float64Array(1024);
    this.#outcome = new Uint8Array(1024);
    this.#override = new Int16Array(1024).fill(NO_OVERRIDE);
    this.#callbacks.clear();
  }
}
