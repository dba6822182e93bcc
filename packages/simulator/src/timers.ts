/**
 * Real-time waits that `close()` can cancel all at once, so a closed simulator leaves no timer
 * behind. A cancelled wait resolves `false` and the request it delayed is abandoned.
 */
export class Timers {
  readonly #pending = new Map<NodeJS.Timeout, (done: boolean) => void>();
  #closed = false;

  get closed(): boolean {
    return this.#closed;
  }

  /** Waits `ms` (no timer at all for 0); `false` when the simulator closed meanwhile. */
  sleep(ms: number): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    if (ms <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const handle = setTimeout(() => {
        this.#pending.delete(handle);
        resolve(true);
      }, ms);
      this.#pending.set(handle, resolve);
    });
  }

  close(): void {
    this.#closed = true;
    for (const [handle, resolve] of this.#pending) {
      clearTimeout(handle);
      resolve(false);
    }
    this.#pending.clear();
  }
}
