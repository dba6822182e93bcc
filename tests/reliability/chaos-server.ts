/**
 * A loopback server that plays DecisionTelecom or Wolkvox and misbehaves on purpose.
 *
 * A raw `net` listener takes every connection (so it can refuse connections by not listening,
 * and reset one before any byte of the request is read) and hands it to a `node:http` server,
 * which applies one scripted fault per request. The server records which sends it ACCEPTED
 * (processed, and would have delivered) by the nonce in the message text: that record is the
 * truth the fault suite checks each client outcome against.
 */

import * as http from 'node:http';
import * as net from 'node:net';
import { mulberry32 } from '@parley/simulator';

export type ChaosProvider = 'decisiontelecom' | 'wolkvox';

/** Faults applied to one request once its headers are read. */
export const FAULTS = [
  /** Processed and answered with the provider's success body. */
  'ok',
  /** Processed and answered with success after a delay under the client's time limit. */
  'slow_ok',
  /** RST once the headers are read; the body is never read, nothing is processed. */
  'reset_before_body',
  /** The body is read, then RST without processing it. */
  'drop_after_body',
  /** Processed, then RST instead of an answer. */
  'reset_after_body',
  /** The body is read, nothing is processed, no answer until the client gives up. */
  'stall',
  /** Processed, then no answer until the client gives up. */
  'stall_processed',
  /** A proxy's HTML 500 page; processed or not, at random (the client cannot know). */
  'html_500',
  /** A gateway's HTML 502 page; processed or not, at random. */
  'html_502',
  /** Processed; 200 with a JSON body cut short (honest Content-Length). */
  'truncated_json',
  /** Processed; a raw HTTP answer whose body stops before its Content-Length, then FIN. */
  'truncated_http',
  /** Processed; 200 with a body that is not JSON at all. */
  'malformed_json',
  /** Processed; 200 with a body over 1 MiB (declared or chunked). */
  'huge_body',
  /** Not processed; 429 with `Retry-After: 0` (DecisionTelecom's documented code 0 body). */
  'rate_limit',
  /** DecisionTelecom's internal error (code 2) under HTTP 200; processed or not, at random. */
  'error_under_200',
  /** Wolkvox: 403 maintenance; not processed. */
  'maintenance',
] as const;
export type Fault = (typeof FAULTS)[number];

/** What the server counts besides the faults above. */
export type Event =
  | Fault
  | 'reset_on_connect'
  | 'concurrency_403'
  | 'foreign'
  | 'foreign_refused'
  | 'invalid'
  | 'not_found';

export type Weights = Partial<Record<Fault, number>>;

export interface ChaosOptions {
  readonly provider: ChaosProvider;
  /** Seed of the PRNG that picks faults in arrival order. Default 1. */
  readonly seed?: number;
  /** Fault weights; default `{ ok: 1 }`. */
  readonly weights?: Weights;
  /** Weights by request sequence number (1-based), e.g. for 429 storms; `undefined` keeps `weights`. */
  readonly phase?: (seq: number) => Weights | undefined;
  /** Share of new connections reset before the request is read. Default 0. */
  readonly resetOnConnectRate?: number;
  /** Answer every request with `Connection: close`, so that each one needs a new connection. */
  readonly closeConnections?: boolean;
  /** Wolkvox: admitted requests in flight per token before the concurrency 403. Default 2. */
  readonly maxConcurrentPerToken?: number;
  /** How long the server holds a foreign client's request (`x-chaos-foreign: 1`). Default 100. */
  readonly foreignHoldMs?: number;
  /** Longest delay of `slow_ok`. Default 50. */
  readonly slowMs?: number;
  /** Size of a `huge_body` answer. Default 2 MiB. */
  readonly hugeBytes?: number;
  /** A stalled request is dropped after this long if the client never leaves. Default 15 000. */
  readonly stallCapMs?: number;
}

/** The acceptances of one nonce, with the id given for each (DecisionTelecom). */
export interface Acceptance {
  count: number;
  readonly ids: string[];
}

const NONCE = /nonce-([0-9a-z]+)/;
const MAX_BODY = 2 * 1024 * 1024;

const HTML_500 =
  '<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1><p>The server encountered an internal error.</p><hr><address>Apache Server</address></body></html>';
const HTML_502 =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

const WV_SENT = '{"code":201,"error":null,"msg":"Message has been sent successfully"}';
const WV_TOO_MANY = '{"code":403,"error":"FORBIDDEN","msg":"EXCEEDS THE LIMIT OF SIMULTANEOUS REQUESTS PER TOKEN (2)"}';
const WV_MAINTENANCE =
  '{"code":403,"error":"FORBIDDEN","msg":"THE SERVER IS IN MAINTENANCE OR BACKUP, PLEASE TRY AGAIN LATER"}';
const DT_RATE_LIMITED = '{"name":"Too Many Requests","message":"Rate limit exceeded","code":0,"status":429}';
const DT_INTERNAL_200 =
  '{"name":"Internal server error","message":"The server encountered an unexpected condition","code":2,"status":500}';

/** The misbehaving provider. Start it with {@link ChaosServer.start}. */
export class ChaosServer {
  readonly provider: ChaosProvider;
  readonly accepted = new Map<string, Acceptance>();
  readonly counts = new Map<Event, number>();
  /** Requests that reached the HTTP layer (headers read). */
  requests = 0;
  /** TCP connections accepted. */
  connections = 0;
  /** Wolkvox: the most admitted requests of one token in flight at once (our clients and the foreign one). */
  maxAdmitted = 0;
  /** Wolkvox: the most requests of ours (not the foreign client's) of one token in flight at once, refused ones included. */
  maxOursInFlight = 0;

  readonly #options: ChaosOptions;
  readonly #random: () => number;
  readonly #http: http.Server;
  readonly #sockets = new Set<net.Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #admitted = new Map<string, number>();
  readonly #ours = new Map<string, number>();
  #listener: net.Server | undefined;
  #port = 0;
  #nextId = 9_007_199_254_740_993n; // past 2^53: ids must keep every digit
  #closed = false;

  private constructor(options: ChaosOptions) {
    this.provider = options.provider;
    this.#options = options;
    this.#random = mulberry32(options.seed ?? 1);
    this.#http = http.createServer({ keepAliveTimeout: 5_000, requestTimeout: 0 }, (req, res) =>
      this.#onRequest(req, res),
    );
    this.#http.on('clientError', (_error, socket) => socket.destroy());
  }

  static async start(options: ChaosOptions): Promise<ChaosServer> {
    const server = new ChaosServer(options);
    await server.resume();
    return server;
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** The `baseUrl` to give a messenger. */
  get baseUrl(): string {
    return this.provider === 'decisiontelecom' ? `${this.url}/v1/api` : `${this.url}/api/v2`;
  }

  /** Connections open now (server side). */
  get openSockets(): number {
    return this.#sockets.size;
  }

  get listening(): boolean {
    return this.#listener !== undefined;
  }

  count(event: Event): number {
    return this.counts.get(event) ?? 0;
  }

  /** Nonces accepted more than once. */
  duplicates(): string[] {
    return [...this.accepted].filter(([, a]) => a.count > 1).map(([nonce]) => nonce);
  }

  /** Stops listening: new connections are refused; open ones carry on. */
  async pause(): Promise<void> {
    const listener = this.#listener;
    if (!listener) return;
    this.#listener = undefined;
    await new Promise<void>((resolve) => {
      listener.close(() => resolve());
      // close() waits for the connections it accepted; they were handed over, so do not wait for them.
      setImmediate(resolve);
    });
  }

  /** Listens again, on the same port once one was chosen. */
  async resume(): Promise<void> {
    if (this.#listener || this.#closed) return;
    const listener = net.createServer((socket) => this.#onConnection(socket));
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(this.#port, '127.0.0.1', () => {
        listener.off('error', reject);
        resolve();
      });
    });
    this.#port = (listener.address() as net.AddressInfo).port;
    this.#listener = listener;
  }

  /** Stops listening, destroys every connection and clears every timer. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.pause();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    this.#http.close();
    this.#http.closeAllConnections();
  }

  #bump(event: Event): void {
    this.counts.set(event, this.count(event) + 1);
  }

  #later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      run();
    }, ms);
    this.#timers.add(timer);
  }

  #onConnection(socket: net.Socket): void {
    this.connections++;
    socket.on('error', () => {});
    if (this.#closed) {
      socket.destroy();
      return;
    }
    if (this.#random() < (this.#options.resetOnConnectRate ?? 0)) {
      this.#bump('reset_on_connect');
      socket.resetAndDestroy();
      return;
    }
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
    this.#http.emit('connection', socket);
  }

  #pick(seq: number): Fault {
    const weights = this.#options.phase?.(seq) ?? this.#options.weights ?? { ok: 1 };
    const entries = Object.entries(weights).filter(([, w]) => (w ?? 0) > 0) as [Fault, number][];
    const total = entries.reduce((sum, [, w]) => sum + w, 0);
    let roll = this.#random() * total;
    for (const [fault, weight] of entries) {
      roll -= weight;
      if (roll < 0) return fault;
    }
    return entries.at(-1)?.[0] ?? 'ok';
  }

  #onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const seq = ++this.requests;
    const path = (req.url ?? '').split('?')[0];
    const sendPath = this.provider === 'decisiontelecom' ? '/v1/api/send-whatsapp' : '/api/v2/whatsapp.php';
    if (req.method !== 'POST' || path !== sendPath) {
      this.#bump('not_found');
      res.writeHead(404, { 'content-type': 'text/html' }).end('<html>Not Found</html>');
      return;
    }
    const foreign = req.headers['x-chaos-foreign'] === '1';
    if (this.provider === 'wolkvox') {
      const token = String(req.headers['wolkvox-token'] ?? '');
      if (!foreign) {
        const ours = (this.#ours.get(token) ?? 0) + 1;
        this.#ours.set(token, ours);
        this.maxOursInFlight = Math.max(this.maxOursInFlight, ours);
        onceDone(res, () => this.#ours.set(token, (this.#ours.get(token) ?? 1) - 1));
      }
      const inFlight = this.#admitted.get(token) ?? 0;
      if (inFlight >= (this.#options.maxConcurrentPerToken ?? 2)) {
        this.#bump(foreign ? 'foreign_refused' : 'concurrency_403');
        void this.#readBody(req).then(() => this.#answer(res, 403, WV_TOO_MANY));
        return;
      }
      this.#admitted.set(token, inFlight + 1);
      this.maxAdmitted = Math.max(this.maxAdmitted, inFlight + 1);
      onceDone(res, () => this.#admitted.set(token, (this.#admitted.get(token) ?? 1) - 1));
    }
    if (foreign) {
      this.#bump('foreign');
      void this.#readBody(req).then(() =>
        this.#later(this.#options.foreignHoldMs ?? 100, () => this.#answer(res, 200, WV_SENT)),
      );
      return;
    }
    const fault = this.#pick(seq);
    this.#bump(fault);
    if (fault === 'reset_before_body') {
      req.socket.resetAndDestroy();
      return;
    }
    // Rolled before the body arrives, so that the order of arrivals alone decides.
    const coin = this.#random() < 0.5;
    const slow = Math.round(this.#random() * (this.#options.slowMs ?? 50));
    void this.#readBody(req).then((body) => {
      if (body === undefined || res.destroyed) return;
      this.#apply(fault, body, req, res, coin, slow);
    });
  }

  #apply(fault: Fault, body: string, req: http.IncomingMessage, res: http.ServerResponse, coin: boolean, slow: number) {
    const accept = (): string | undefined => this.#accept(body);
    switch (fault) {
      case 'ok': {
        const id = accept();
        if (id !== undefined) this.#answer(res, 200, this.#success(id));
        else this.#invalid(res);
        return;
      }
      case 'slow_ok': {
        const id = accept();
        if (id === undefined) return this.#invalid(res);
        this.#later(slow, () => this.#answer(res, 200, this.#success(id)));
        return;
      }
      case 'drop_after_body':
        req.socket.resetAndDestroy();
        return;
      case 'reset_after_body':
        accept();
        req.socket.resetAndDestroy();
        return;
      case 'stall':
      case 'stall_processed':
        if (fault === 'stall_processed') accept();
        this.#later(this.#options.stallCapMs ?? 15_000, () => req.socket.destroy());
        return;
      case 'html_500':
      case 'html_502':
        if (coin) accept();
        this.#answer(res, fault === 'html_500' ? 500 : 502, fault === 'html_500' ? HTML_500 : HTML_502, 'text/html');
        return;
      case 'truncated_json': {
        const id = accept() ?? '0';
        const full = this.#success(id);
        this.#answer(res, 200, full.slice(0, Math.max(1, full.length - 7)));
        return;
      }
      case 'truncated_http': {
        const id = accept() ?? '0';
        const full = this.#success(id);
        const cut = full.slice(0, Math.ceil(full.length / 2));
        const head = `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(full) + 50}\r\n\r\n`;
        req.socket.end(head + cut);
        return;
      }
      case 'malformed_json':
        accept();
        this.#answer(
          res,
          200,
          this.provider === 'decisiontelecom' ? "{message_id: 12, 'status': ok,}" : "{'code': 201, error: None}",
        );
        return;
      case 'huge_body':
        accept();
        this.#huge(res, coin);
        return;
      case 'rate_limit':
        res.setHeader('retry-after', '0');
        this.#answer(res, 429, DT_RATE_LIMITED);
        return;
      case 'error_under_200':
        if (coin) accept();
        this.#answer(res, 200, DT_INTERNAL_200);
        return;
      case 'maintenance':
        this.#answer(res, 403, WV_MAINTENANCE);
        return;
    }
  }

  /** Records an acceptance of the nonce in a valid send body; its DecisionTelecom id, or undefined if invalid. */
  #accept(body: string): string | undefined {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return undefined;
    }
    const text = this.provider === 'decisiontelecom' ? parsed.text : (parsed.message ?? parsed.template_vars);
    const nonce = typeof text === 'string' ? NONCE.exec(text)?.[1] : undefined;
    const valid =
      this.provider === 'decisiontelecom'
        ? typeof parsed.source_addr === 'string' && parsed.destination_addr !== undefined && parsed.message_type === 1
        : typeof parsed.connector_id === 'string' && typeof parsed.telephone === 'string';
    if (!valid || nonce === undefined) return undefined;
    const id = (this.#nextId++).toString();
    const entry = this.accepted.get(nonce) ?? { count: 0, ids: [] };
    entry.count++;
    entry.ids.push(id);
    this.accepted.set(nonce, entry);
    return id;
  }

  #success(id: string): string {
    return this.provider === 'decisiontelecom' ? `{"message_id": ${id}}` : WV_SENT;
  }

  #invalid(res: http.ServerResponse): void {
    this.#bump('invalid');
    this.#answer(
      res,
      400,
      '{"name":"Invalid Parameter: text","message":"Empty parameter or parameter validation error","code":1,"status":400}',
    );
  }

  #answer(res: http.ServerResponse, status: number, body: string, type = 'application/json'): void {
    if (res.destroyed || res.writableEnded) return;
    const headers: http.OutgoingHttpHeaders = { 'content-type': type, 'content-length': Buffer.byteLength(body) };
    if (this.#options.closeConnections) headers.connection = 'close';
    res.writeHead(status, headers);
    res.end(body);
  }

  /** Over 1 MiB of valid-looking JSON, declared up front or chunked; stops when the client leaves. */
  #huge(res: http.ServerResponse, declared: boolean): void {
    const total = this.#options.hugeBytes ?? 2 * 1024 * 1024;
    const head = '{"message_id": 1, "pad": "';
    const tail = '"}';
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json' };
    if (declared) headers['content-length'] = total;
    res.writeHead(200, headers);
    res.write(head);
    let sent = head.length;
    const pump = (): void => {
      while (!res.destroyed && sent + chunk.length < total - tail.length) {
        sent += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
      if (!res.destroyed) res.end('x'.repeat(Math.max(0, total - tail.length - sent)) + tail);
    };
    pump();
  }

  /** The body as text (at most 2 MiB), or undefined when the request broke first. */
  #readBody(req: http.IncomingMessage): Promise<string | undefined> {
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_BODY) chunks.push(chunk);
      });
      req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.once('error', () => resolve(undefined));
      req.once('close', () => resolve(req.complete ? Buffer.concat(chunks).toString('utf8') : undefined));
    });
  }
}

/** Runs `done` once, when the answer has been handed to the OS or the connection is gone. */
function onceDone(res: http.ServerResponse, done: () => void): void {
  let called = false;
  const once = (): void => {
    if (called) return;
    called = true;
    done();
  };
  res.once('finish', once);
  res.once('close', once);
}

/** A port where nothing listens: connections to it are refused. */
export async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Another process's client on the same Wolkvox token: keeps `parallel` requests in flight while
 * active, straight to the server (not through Parley's limiter), so Parley's sends meet the
 * documented concurrency 403.
 */
export class ForeignClient {
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  readonly #pending = new Set<Promise<void>>();
  #active = false;
  #stopped = false;
  sent = 0;

  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    private readonly parallel = 2,
  ) {}

  /** Starts or stops a burst. */
  setActive(active: boolean): void {
    if (this.#stopped) return;
    this.#active = active;
    if (active) while (this.#pending.size < this.parallel) this.#fire();
  }

  #fire(): void {
    const done = this.#one().finally(() => {
      this.#pending.delete(done);
      if (this.#active && !this.#stopped && this.#pending.size < this.parallel) this.#fire();
    });
    this.#pending.add(done);
  }

  #one(): Promise<void> {
    this.sent++;
    const body = JSON.stringify({ connector_id: '9', telephone: '573001112233', message: 'foreign' });
    return new Promise<void>((resolve) => {
      const req = http.request(
        `${this.baseUrl}/whatsapp.php?api=send_message_official`,
        {
          method: 'POST',
          agent: this.#agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'wolkvox-token': this.token,
            'x-chaos-foreign': '1',
          },
        },
        (res) => {
          res.resume();
          res.once('end', () => resolve());
          res.once('error', () => resolve());
        },
      );
      req.once('error', () => resolve());
      req.end(body);
    });
  }

  /** Ends the bursts, waits for requests in flight and closes the sockets. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#active = false;
    await Promise.allSettled([...this.#pending]);
    this.#agent.destroy();
  }
}

export { mulberry32 };
