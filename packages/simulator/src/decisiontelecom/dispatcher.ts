import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { RingLog } from '../log.js';
import { isLoopbackUrl } from '../loopback.js';

/** One status callback the simulator made (or refused to make). */
export interface CallbackRecord {
  readonly messageId: string;
  readonly status: number;
  readonly url: string;
  /** `now()` when it was due. */
  readonly at: number;
  /** `sent`: answered 2xx; `failed`: another status, a network error or a 5 s timeout; `refused`: not a loopback URL. */
  readonly outcome: 'sent' | 'failed' | 'refused';
  readonly httpStatus: number | undefined;
}

/** Totals of status callbacks. */
export interface CallbackCounts {
  readonly sent: number;
  readonly failed: number;
  readonly refused: number;
  /** Queued or in flight now. */
  readonly pending: number;
}

export interface DispatcherOptions {
  readonly now: () => number;
  readonly maxRecorded: number;
  /** Callbacks in flight at once, over all messages. Default 16. */
  readonly concurrency?: number;
  readonly timeoutMs?: number;
}

/**
 * POSTs `{"message_id": n, "status": s}` to callback URLs. One message's callbacks go out one
 * after another, in status order; different messages' in parallel up to `concurrency`. Only
 * loopback targets are called: the simulator must never reach outside the machine.
 */
export class CallbackDispatcher {
  readonly #now: () => number;
  readonly #limit: number;
  readonly #timeoutMs: number;
  readonly #log: RingLog<CallbackRecord>;
  readonly #chains = new Map<number, Promise<void>>();
  readonly #waiters: (() => void)[] = [];
  readonly #httpAgent = new HttpAgent({ keepAlive: true });
  readonly #httpsAgent = new HttpsAgent({ keepAlive: true });
  #active = 0;
  #pending = 0;
  #closed = false;
  #counts = { sent: 0, failed: 0, refused: 0 };

  constructor(options: DispatcherOptions) {
    this.#now = options.now;
    this.#limit = options.concurrency ?? 16;
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#log = new RingLog(options.maxRecorded);
  }

  get counts(): CallbackCounts {
    return { ...this.#counts, pending: this.#pending };
  }

  get log(): CallbackRecord[] {
    return this.#log.toArray();
  }

  /** Queues a callback behind the earlier ones of the same message (`key`). */
  post(key: number, url: string, messageId: bigint, status: number): void {
    if (this.#closed) return;
    const at = this.#now();
    const run = async () => {
      await this.#acquire();
      try {
        await this.#deliver(url, messageId, status, at);
      } finally {
        this.#release();
      }
    };
    const next = (this.#chains.get(key) ?? Promise.resolve()).then(run);
    this.#pending++;
    this.#chains.set(key, next);
    void next.finally(() => {
      this.#pending--;
      if (this.#chains.get(key) === next) this.#chains.delete(key);
    });
  }

  /** Resolves once no callback is queued or in flight. */
  async idle(): Promise<void> {
    while (this.#chains.size > 0) await Promise.all([...this.#chains.values()]);
  }

  #acquire(): Promise<void> {
    if (this.#active < this.#limit || this.#closed) {
      this.#active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #release(): void {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#active--;
  }

  #record(
    entry: Omit<CallbackRecord, 'outcome' | 'httpStatus'>,
    httpStatus: number | undefined,
    refused = false,
  ): void {
    if (this.#closed) return;
    const outcome = refused
      ? 'refused'
      : httpStatus !== undefined && httpStatus >= 200 && httpStatus < 300
        ? 'sent'
        : 'failed';
    this.#counts[outcome]++;
    this.#log.push({ ...entry, outcome, httpStatus });
  }

  async #deliver(url: string, messageId: bigint, status: number, at: number): Promise<void> {
    if (this.#closed) return;
    const entry = { messageId: String(messageId), status, url, at };
    if (!isLoopbackUrl(url)) {
      this.#record(entry, undefined, true);
      return;
    }
    // Written by hand so an id past 2^53 keeps every digit.
    const body = `{"message_id":${messageId},"status":${status}}`;
    const httpStatus = await new Promise<number | undefined>((resolve) => {
      const target = new URL(url);
      const secure = target.protocol === 'https:';
      const req = (secure ? httpsRequest : httpRequest)(
        target,
        {
          method: 'POST',
          agent: secure ? this.#httpsAgent : this.#httpAgent,
          timeout: this.#timeoutMs,
          headers: {
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(body)),
            'user-agent': 'parley-simulator',
          },
        },
        (res) => {
          res.once('error', () => resolve(undefined));
          res.once('end', () => resolve(res.statusCode));
          res.resume();
        },
      );
      req.once('timeout', () => req.destroy(new Error('callback timed out')));
      req.once('error', () => resolve(undefined));
      req.end(body);
    });
    this.#record(entry, httpStatus);
  }

  /** Stops sending: queued callbacks are skipped and open sockets destroyed. */
  close(): void {
    this.#closed = true;
    for (const waiter of this.#waiters.splice(0)) waiter();
    this.#httpAgent.destroy();
    this.#httpsAgent.destroy();
  }

  clear(): void {
    this.#log.clear();
    this.#counts = { sent: 0, failed: 0, refused: 0 };
  }
}
