import type { ServerResponse } from 'node:http';

/**
 * Changed messages in one flush above this are not sent: pages are told to fetch the newest
 * instead. With FLUSH_MS this bounds what one page receives to about 600 updates a second,
 * whatever the send rate.
 */
export const MAX_BATCH = 25;
/** How long changes gather before one flush: well inside the page's 200 ms. */
export const FLUSH_MS = 40;
/** During a burst, pages are told to resync at most this often (they fetch at most every 2 s anyway). */
export const RESYNC_EVERY_MS = 500;

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
  #lastResync = Number.NEGATIVE_INFINITY;
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

  /** Queues `item` for the next flush (its latest state wins). */
  changed(item: T): void {
    if (this.#clients.size === 0) return;
    if (this.#pending.size <= MAX_BATCH) this.#pending.set(item.id, item);
    else this.#resync = true;
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
    const overloaded = this.#resync || this.#pending.size > MAX_BATCH;
    const wait = overloaded ? Math.max(FLUSH_MS, this.#lastResync + RESYNC_EVERY_MS - Date.now()) : FLUSH_MS;
    this.#timer = setTimeout(() => this.flush(), wait);
  }

  /** Writes what gathered to every page now. */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const resync = this.#resync || this.#pending.size > MAX_BATCH;
    const items = resync ? [] : [...this.#pending.values()];
    this.#pending.clear();
    this.#resync = false;
    if (this.#clients.size === 0) return;
    if (resync) this.#lastResync = Date.now();
    const extra = this.#extra();
    const payload = resync
      ? `event: resync\ndata: ${JSON.stringify({ extra })}\n\n`
      : `data: ${JSON.stringify({ ...this.#serialize(items), extra })}\n\n`;
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
