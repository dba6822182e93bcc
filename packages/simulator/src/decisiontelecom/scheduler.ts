import { type Due, DueHeap } from '../heap.js';

const MAX_DELAY = 2_147_483_647;
/** The shortest re-arm, so a frozen injected clock makes the timer tick, not spin. */
const MIN_DELAY = 5;

/**
 * Every future status change that needs a callback, in one min-heap behind one timer. Times
 * come from the injected `now()`; with a fake clock, `runDue()` processes what the clock says
 * is due.
 */
export class CallbackScheduler {
  readonly #heap = new DueHeap();
  readonly #now: () => number;
  readonly #onDue: (entry: Due) => void;
  #timer: NodeJS.Timeout | undefined;
  #timerDue = Number.POSITIVE_INFINITY;
  #seq = 0;
  #closed = false;

  constructor(now: () => number, onDue: (entry: Due) => void) {
    this.#now = now;
    this.#onDue = onDue;
  }

  get size(): number {
    return this.#heap.size;
  }

  schedule(due: number, index: number, step: number): void {
    if (this.#closed) return;
    this.#heap.push({ due, index, step, seq: this.#seq++ });
    if (due < this.#timerDue) this.#arm();
  }

  /** Hands every entry due by `now()` to `onDue`, earliest first, then re-arms the timer. */
  runDue(): void {
    const now = this.#now();
    for (let top = this.#heap.peek(); top !== undefined && top.due <= now; top = this.#heap.peek()) {
      this.#heap.pop();
      this.#onDue(top);
    }
    this.#arm();
  }

  #arm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerDue = Number.POSITIVE_INFINITY;
    const next = this.#heap.peek();
    if (next === undefined || this.#closed) return;
    const delay = Math.min(MAX_DELAY, Math.max(MIN_DELAY, next.due - this.#now()));
    this.#timerDue = next.due;
    this.#timer = setTimeout(() => this.runDue(), delay);
  }

  clear(): void {
    this.#heap.clear();
    this.#arm();
  }

  close(): void {
    this.#closed = true;
    this.clear();
  }
}
