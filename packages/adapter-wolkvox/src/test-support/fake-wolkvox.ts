import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the stand-in received. */
export interface ReceivedRequest {
  /** The `api` query value. */
  readonly api: string | null;
  readonly token: string | undefined;
  readonly body: Record<string, unknown>;
  /** Milliseconds since the server started. */
  readonly at: number;
}

export interface FakeWolkvoxOptions {
  /** The only token accepted (any non-empty one when absent). */
  readonly token?: string;
  /** Time each accepted request is held before its answer. Default 0. */
  readonly latencyMs?: number;
}

export interface FakeWolkvox {
  /** Goes straight into a messenger's `baseUrl`: `http://127.0.0.1:PORT/api/v2`. */
  readonly baseUrl: string;
  readonly port: number;
  /** Every request that reached the server, in arrival order. */
  readonly requests: ReceivedRequest[];
  /** How many requests were answered with the concurrency 403. */
  readonly concurrencyRejections: () => number;
  /** The most requests of one token seen in flight at once (a refused third one included). */
  maxConcurrent(token: string): number;
  /** Requests of one token being worked on now (whether or not their clients still wait). */
  inFlight(token: string): number;
  /** Answers the next request with this status and body instead of serving it. */
  answerNext(status: number, body: unknown): void;
  /** Answers the next request with the 403 `PLEASE VALIDATE TOKEN`. */
  failNextWithAuthError(): void;
  close(): Promise<void>;
}

const LIMIT = 2;
const ANSWERS = {
  sent: [200, { code: 201, error: null, msg: 'Message has been sent successfully' }],
  noApi: [400, { code: 400, error: 'BAD REQUEST', msg: 'THE API YOU WANT TO CONSULT DOES NOT EXIST' }],
  missing: [400, { code: 400, error: 'BAD REQUEST', msg: 'SOME PARAMETERS ARE REQUIRED' }],
  noToken: [401, { code: 401, error: 'UNAUTHORIZED', msg: 'PLEASE ENTER THE WOLKVOX-TOKEN' }],
  badToken: [403, { code: 403, error: 'FORBIDDEN', msg: 'PLEASE VALIDATE TOKEN' }],
  busy: [403, { code: 403, error: 'FORBIDDEN', msg: 'EXCEEDS THE LIMIT OF SIMULTANEOUS REQUESTS PER TOKEN (2)' }],
} as const satisfies Record<string, readonly [number, unknown]>;

const REQUIRED: Record<string, readonly string[]> = {
  send_message_official: ['connector_id', 'telephone', 'message'],
  send_template_official: ['connector_id', 'telephone', 'template_name', 'template_vars'],
};

/**
 * A loopback stand-in of Wolkvox's WhatsApp API (providers.md): checks the token, requires the
 * documented fields as strings, holds each request `latencyMs`, counts requests in flight per
 * token and refuses a third with the documented 403, as the real server does.
 *
 * @example
 * const server = await startFakeWolkvox({ latencyMs: 50 });
 * createMessenger({ provider: 'wolkvox', token, server: '0042', connectorId: '1', baseUrl: server.baseUrl }, { providers: [wolkvox] });
 */
export async function startFakeWolkvox(options: FakeWolkvoxOptions = {}): Promise<FakeWolkvox> {
  const started = Date.now();
  const requests: ReceivedRequest[] = [];
  const active = new Map<string, number>();
  const peaks = new Map<string, number>();
  const scripted: (readonly [number, unknown])[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let rejections = 0;

  const answer = (res: ServerResponse, [status, body]: readonly [number, unknown]) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const token = header(req, 'wolkvox-token');
    const key = token ?? '';
    const now = (active.get(key) ?? 0) + 1;
    active.set(key, now);
    peaks.set(key, Math.max(peaks.get(key) ?? 0, now));
    const done = () => active.set(key, (active.get(key) ?? 1) - 1);
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const api = url.searchParams.get('api');
    const body = parseObject(raw);
    requests.push({ api, token, body, at: Date.now() - started });
    const reply = (a: readonly [number, unknown]) => {
      done();
      answer(res, a);
    };
    const next = scripted.shift();
    if (next) return reply(next);
    if (!token) return reply(ANSWERS.noToken);
    if (options.token !== undefined && token !== options.token) return reply(ANSWERS.badToken);
    if (now > LIMIT) {
      rejections++;
      return reply(ANSWERS.busy);
    }
    const required = api === null ? undefined : REQUIRED[api];
    if (req.method !== 'POST' || url.pathname !== '/api/v2/whatsapp.php' || !required) return reply(ANSWERS.noApi);
    if (!required.every((field) => typeof body[field] === 'string')) return reply(ANSWERS.missing);
    const timer = setTimeout(() => {
      timers.delete(timer);
      // Free the slot before answering, as a server does: the client may send again once it has the answer.
      reply(ANSWERS.sent);
    }, options.latencyMs ?? 0);
    timers.add(timer);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/api/v2`,
    port,
    requests,
    concurrencyRejections: () => rejections,
    maxConcurrent: (token) => peaks.get(token) ?? 0,
    inFlight: (token) => active.get(token) ?? 0,
    answerNext: (status, body) => scripted.push([status, body]),
    failNextWithAuthError: () => scripted.push(ANSWERS.badToken),
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseObject(raw: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
