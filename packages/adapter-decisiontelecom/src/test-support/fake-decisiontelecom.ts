import type { IncomingMessage, ServerResponse } from 'node:http';
import { type LoopbackServer, startLoopbackServer } from './http.js';

/** One request the fake received. */
export interface ReceivedRequest {
  readonly method: string;
  /** Path with query, as received. */
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  /** The raw body text. */
  readonly body: string;
  /** The body parsed as JSON (`undefined` when it is not JSON). */
  readonly json: Record<string, unknown> | undefined;
  /** For a successful send: the message id the fake handed out. */
  messageId?: string;
}

/** A canned answer. */
export interface CannedReply {
  readonly status: number;
  readonly body: string;
  readonly headers?: Record<string, string>;
}

export interface FakeDecisionTelecom {
  /** Goes straight into a messenger's `baseUrl`: `http://127.0.0.1:<port>/v1/api`. */
  readonly baseUrl: string;
  readonly requests: ReceivedRequest[];
  /** The send-whatsapp requests, in order. */
  sends(): ReceivedRequest[];
  /** The receive-whatsapp requests, in order. */
  statusQueries(): ReceivedRequest[];
  /** Sets the status codes a message reports: each query takes the next, the last one stays. */
  setStatus(messageId: string, ...codes: number[]): void;
  /** Answers the next call (of any endpoint) with `reply`. */
  failNext(reply: CannedReply): void;
  /** Answers the next call as a bad key would (401 `{name: 'Unauthorized', code: 0, status: 401}`), echoing the credential. */
  failNextWithAuthError(): void;
  close(): Promise<void>;
}

export interface FakeOptions {
  /** The expected token after `Basic `; other credentials get a 401. */
  readonly token: string;
  /** The first message id handed out (then +1 each send). Default 554. */
  readonly firstId?: bigint;
  /** The status code of a message nobody set. Default 6 (pending). */
  readonly defaultStatus?: number;
}

const json = (status: number, body: string, headers: Record<string, string> = {}): CannedReply => ({
  status,
  body,
  headers: { 'content-type': 'application/json; charset=UTF-8', ...headers },
});

function unauthorized(detail: string): CannedReply {
  // The shape DecisionTelecom's framework gives every HTTP error; code 0 is its default code.
  return json(401, JSON.stringify({ name: 'Unauthorized', message: detail, code: 0, status: 401 }));
}

/** The raw digits of `message_id` in a status query (read from the text: ids may exceed 2^53). */
function queriedId(body: string): string | undefined {
  return /^\{"message_id":(\d+)\}$/.exec(body)?.[1];
}

/**
 * A loopback stand-in of DecisionTelecom's WhatsApp API as the docs describe it: Basic auth,
 * `POST /v1/api/send-whatsapp` answering `{"message_id": n}` with increasing ids, and
 * `POST /v1/api/receive-whatsapp` answering `{"message_id": n, "status": code}` from a map.
 *
 * @example
 * const fake = await startFakeDecisionTelecom({ token: basicToken(apiKey) });
 * createMessenger({ provider: 'decisiontelecom', apiKey, sender: 'Acme', baseUrl: fake.baseUrl }, { providers });
 */
export async function startFakeDecisionTelecom(options: FakeOptions): Promise<FakeDecisionTelecom> {
  const requests: ReceivedRequest[] = [];
  const statuses = new Map<string, number[]>();
  const failures: (CannedReply | ((req: IncomingMessage) => CannedReply))[] = [];
  let nextId = options.firstId ?? 554n;

  const answer = (req: IncomingMessage, body: string, record: ReceivedRequest): CannedReply => {
    const failure = failures.shift();
    if (failure) return typeof failure === 'function' ? failure(req) : failure;
    if (req.headers.authorization !== `Basic ${options.token}`) return unauthorized('Invalid credentials');
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method === 'POST' && path === '/v1/api/send-whatsapp') {
      const id = String(nextId++);
      record.messageId = id;
      return json(200, `{"message_id":${id}}`);
    }
    if (req.method === 'POST' && path === '/v1/api/receive-whatsapp') {
      const id = queriedId(body);
      if (id === undefined) {
        const error = { name: 'Invalid Parameter: [message_id]', message: 'Empty parameter', code: 1, status: 400 };
        return json(400, JSON.stringify(error));
      }
      const codes = statuses.get(id);
      const code = codes && codes.length > 1 ? (codes.shift() as number) : (codes?.[0] ?? options.defaultStatus ?? 6);
      return json(200, `{"message_id":${id},"status":${code}}`);
    }
    return json(404, JSON.stringify({ name: 'Not Found', message: 'Page not found.', code: 0, status: 404 }));
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let parsed: Record<string, unknown> | undefined;
      try {
        parsed = JSON.parse(body) as Record<string, unknown>;
      } catch {
        parsed = undefined;
      }
      const record: ReceivedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
        json: parsed,
      };
      requests.push(record);
      const reply = answer(req, body, record);
      res.writeHead(reply.status, reply.headers ?? {});
      res.end(reply.body);
    });
  };

  const server: LoopbackServer = await startLoopbackServer(handle);
  const byPath = (suffix: string) => () => requests.filter((r) => r.url.split('?')[0]?.endsWith(suffix));
  return {
    baseUrl: `${server.url}/v1/api`,
    requests,
    sends: byPath('/send-whatsapp'),
    statusQueries: byPath('/receive-whatsapp'),
    setStatus(messageId, ...codes) {
      statuses.set(messageId, codes);
    },
    failNext(reply) {
      failures.push(reply);
    },
    failNextWithAuthError() {
      // Echoes the credential it got, as a careless server might: the messenger must redact it.
      failures.push((req) => unauthorized(`Invalid credentials: ${req.headers.authorization ?? ''}`));
    },
    close: () => server.close(),
  };
}
