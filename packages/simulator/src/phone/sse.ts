import type { ServerResponse } from 'node:http';

/**
 * At most this many changed messages go in one flush: past it, only the newest are sent, with
 * `skipped: true` (the page fetches everything once the burst is over). With FLUSH_MS and
 * SKIPPING_EVERY_MS this bounds what a page receives, whatever the send rate.
 */
export const MAX_BATCH = 10;
/** How long changes gather before one flush: well inside the page's 200 ms. */
export const FLUSH_MS = 100;
/** During a burst (changes skipped), flushes go out at most this often. */
export const SKIPPING_EVERY_MS = 500;

interface Client {
  readonly res: ServerResponse;
  /** The socket's buffer was full: skip writes until `drain`, then tell it to resync. */
  blocked: boolean;
}

/**
 * Server-Sent Events fan-out for the dev-phone pages. Changes are coalesced by id and flushed
 * at most once per `FLUSH_MS`; a flush is serialised once and the same bytes are written to
 * every page, so a provider request costs one `Map.set` whatever the number of pages, and none
 * at all when no page is open. A slow page is skipped and told to resync once it drains.
 */
export class EventHub<T extends { readonly id: string }> {
  readonly #clients = new Set<Client>();
  readonly #pending = new Map<string, T>();
  readonly #extra: () => unknown;
  readonly #serialize: (items: T[]) => Record<string, unknown>;
  #timer: NodeJS.Timeout | undefined;
  #resync = false;
  #skipped = false;
  #lastSkipping = Number.NEGATIVE_INFINITY;
  #closed = false;
  /** Flushes written, for tests and the benchmark. */
  flushes = 0;

  /** `extra()` is added to every flush (the armed faults); `serialize` turns changed items into the event's fields. */
  constructor(
    extra: () => unknown = () => undefined,
    serialize: (items: T[]) => Record<string, unknown> = (messages) => ({ messages }),
  ) {
    this.#extra = extra;
    this.#serialize = serialize;
  }

  get size(): number {
    return this.#clients.size;
  }

  /** Whether anybody listens: callers skip their own work otherwise. */
  get active(): boolean {
    return this.#clients.size > 0;
  }

  /** Starts an event stream on `res`. */
  open(res: ServerResponse): void {
    if (this.#closed) {
      res.writeHead(503).end();
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.socket?.setNoDelay(true);
    res.write('retry: 1000\n\n');
    const client: Client = { res, blocked: false };
    this.#clients.add(client);
    res.on('close', () => this.#clients.delete(client));
    res.on('drain', () => {
      if (!client.blocked) return;
      client.blocked = false;
      res.write('event: resync\ndata: {}\n\n');
    });
  }

  /** Queues `item` for the next flush (its latest state wins; past MAX_BATCH, the oldest queued is skipped). */
  changed(item: T): void {
    if (this.#clients.size === 0) return;
    this.#pending.delete(item.id);
    this.#pending.set(item.id, item);
    if (this.#pending.size > MAX_BATCH) {
      this.#pending.delete(this.#pending.keys().next().value as string);
      this.#skipped = true;
    }
    this.#schedule();
  }

  /** Sends a flush even without changed messages (the armed faults changed). */
  touch(): void {
    if (this.#clients.size === 0) return;
    this.#schedule();
  }

  /** Tells every page to fetch everything again (after a clear). */
  resync(): void {
    if (this.#clients.size === 0) return;
    this.#resync = true;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#closed) return;
    const wait = this.#skipped ? Math.max(FLUSH_MS, this.#lastSkipping + SKIPPING_EVERY_MS - Date.now()) : FLUSH_MS;
    this.#timer = setTimeout(() => this.flush(), wait);
  }

  /** Writes what gathered to every page now. */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const resync = this.#resync;
    const skipped = this.#skipped;
    const items = resync ? [] : [...this.#pending.values()];
    this.#pending.clear();
    this.#resync = false;
    this.#skipped = false;
    if (this.#clients.size === 0) return;
    if (skipped) this.#lastSkipping = Date.now();
    const extra = this.#extra();
    const payload = resync
      ? `event: resync\ndata: ${JSON.stringify({ extra })}\n\n`
      : `data: ${JSON.stringify({ ...this.#serialize(items), ...(skipped ? { skipped: true } : {}), extra })}\n\n`;
    const bytes = Buffer.from(payload);
    this.flushes++;
    for (const client of this.#clients) {
      if (client.blocked) continue;
      if (!client.res.write(bytes)) client.blocked = true;
    }
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const client of this.#clients) client.res.destroy();
    this.#clients.clear();
  }
}
