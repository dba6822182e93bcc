import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Parsed, parseJson, readBody, redactedHeaders } from './http.js';
import type { Answer, Inspector, MutableRecord, ProviderName } from './inspect.js';

/** What every provider's request handling shares. */
export interface ExchangeContext {
  readonly inspector: Inspector;
  readonly now: () => number;
  readonly nextSeq: () => number;
  /** Told about each request once it was answered or dropped (the dev phone's feed). */
  readonly observe?: ((record: MutableRecord) => void) | undefined;
}

/**
 * One request and its answer: logs it on arrival, counts it in flight until its response is
 * finished or its socket is gone, and records how it was answered.
 */
export class Exchange {
  readonly record: MutableRecord;
  /** Set by `failNext('drop_after')`: handle the request fully, then destroy the socket instead of answering. */
  dropInsteadOfAnswer = false;
  readonly #ctx: ExchangeContext;
  readonly #req: IncomingMessage;
  readonly #res: ServerResponse;

  constructor(
    ctx: ExchangeContext,
    provider: ProviderName,
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    credential: string | undefined,
  ) {
    this.#ctx = ctx;
    this.#req = req;
    this.#res = res;
    this.record = {
      seq: ctx.nextSeq(),
      provider,
      method: req.method ?? 'GET',
      path,
      headers: redactedHeaders(req),
      credential,
      body: undefined,
      receivedAt: ctx.now(),
      status: undefined,
      responseBody: undefined,
      outcome: 'pending',
    };
    ctx.inspector.record(this.record);
    res.once('close', ctx.inspector.begin(credential));
  }

  /** Runs `release` once the response is finished or the socket is gone. */
  onDone(release: () => void): void {
    this.#res.once('close', release);
  }

  /** Whether the socket is gone (client aborted, or the simulator closed). */
  get gone(): boolean {
    return this.#res.destroyed || this.#res.writableEnded;
  }

  /**
   * Reads the body, parses it as JSON and stores it in the log (raw text when not JSON).
   * Answers 413 itself for a body that is too large; `undefined` then, or when the client went away.
   */
  async readBody(): Promise<{ readonly raw: string; readonly parsed: Parsed } | undefined> {
    const text = await readBody(this.#req);
    if (text === 'too_large') {
      this.text(413, 'text/plain; charset=utf-8', 'Payload Too Large', 'rejected', { connection: 'close' });
      return undefined;
    }
    if (text === undefined) return undefined;
    const parsed = parseJson(text);
    this.record.body = parsed.ok ? parsed.value : text;
    return { raw: text, parsed };
  }

  json(status: number, body: unknown, answer: Answer, headers: Record<string, string> = {}): void {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    this.text(status, 'application/json; charset=utf-8', text, answer, headers);
  }

  text(status: number, contentType: string, text: string, answer: Answer, headers: Record<string, string> = {}): void {
    if (this.gone) return;
    if (this.dropInsteadOfAnswer) {
      this.drop();
      return;
    }
    this.record.status = status;
    this.record.responseBody = text;
    this.record.outcome = 'answered';
    this.#ctx.inspector.count(answer);
    this.#res.writeHead(status, {
      'content-type': contentType,
      'content-length': String(Buffer.byteLength(text)),
      ...headers,
    });
    this.#res.end(text);
    this.#ctx.observe?.(this.record);
  }

  /** Destroys the connection without an answer, as a crashed or unreachable server would. */
  drop(): void {
    this.record.outcome = 'dropped';
    this.#ctx.inspector.count('dropped');
    this.#req.socket.destroy();
    this.#res.destroy();
    this.#ctx.observe?.(this.record);
  }

  /** Never answers: the client's timeout, or `close()`, ends it. */
  hang(): void {
    this.record.outcome = 'hung';
  }
}
