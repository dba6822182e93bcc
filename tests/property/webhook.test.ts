// Property tests of the webhook handler (messenger.webhook of a DecisionTelecom messenger with
// callbacks), in both its forms: any call, signed or not, with any method, content type, query and
// body (JSON, form, text, binary, mutated callbacks), gets an HTTP answer from the documented set
// and never throws.
import { once } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { decisionTelecom } from '@parley/adapter-decisiontelecom';
import { createMessenger, type Messenger, memoryStore, signCallbackUrl, type WebhookHandler } from '@parley/core';
import { createFakeTransport } from '@parley/core/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JSON_TOKENS, mutated, params } from './arbitraries.js';

const SECRET = 'prop-webhook-secret-0123456789';
const HOOK = 'http://hooks.test/hooks/whatsapp';
const ANSWERS = [200, 400, 401, 405, 408, 413, 500];

let messenger: Messenger;
let webhook: WebhookHandler;
const errors: unknown[] = [];

beforeAll(() => {
  messenger = createMessenger(
    {
      provider: 'decisiontelecom',
      apiKey: 'prop-api-key-0001',
      sender: 'Acme',
      callbackUrl: `${HOOK}?tenant=7`,
      webhookSecret: SECRET,
      tracking: false,
    },
    {
      providers: [decisionTelecom],
      store: memoryStore(),
      transport: createFakeTransport(() => ({ status: 500, headers: {}, body: '' })),
    },
  );
  messenger.on('error', (e) => errors.push(e));
  webhook = (messenger as Messenger & { webhook: WebhookHandler }).webhook;
});

afterAll(async () => {
  await messenger.close();
});

/** Printable header text (what a Request or a socket can carry). */
const headerText = fc.stringMatching(/^[\x20-\x7e]{0,40}$/);

const contentType = fc.option(
  fc.oneof(
    fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'APPLICATION/JSON',
      'application/x-www-form-urlencoded',
      'text/plain',
      'application/vnd.api+json',
      'multipart/form-data; boundary=x',
      'application/xml',
      ';',
      '',
    ),
    headerText,
  ),
  { nil: undefined },
);

const VALID_PAYLOADS = [
  '{"message_id":554,"status":1}',
  '{"message_id":"9007199254740993","status":"7"}',
  'message_id=554&status=2',
  'status=1',
  '{"status":6}',
];

const payloadValue = fc.oneof(
  fc.integer({ min: -2, max: 9 }),
  fc.string(),
  fc.constantFrom('1', ' 7 ', '1.0', '1e1', '', null, true),
  fc.jsonValue({ maxDepth: 1 }),
);

const body = fc.oneof(
  {
    weight: 3,
    arbitrary: mutated(VALID_PAYLOADS, [...JSON_TOKENS, '&', '=', '%', '%zz', '+', 'status', 'message_id']),
  },
  {
    weight: 3,
    arbitrary: fc
      .record({ message_id: payloadValue, status: payloadValue, extra: payloadValue }, { requiredKeys: [] })
      .map((o) => JSON.stringify(o)),
  },
  {
    weight: 2,
    arbitrary: fc
      .dictionary(fc.oneof(fc.constantFrom('status', 'message_id', 'parley_id'), fc.string()), fc.string())
      .map((o) => new URLSearchParams(o).toString()),
  },
  { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v) ?? '') },
  { weight: 1, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
  { weight: 1, arbitrary: fc.constantFrom('x'.repeat(65_537), 'status=1&pad='.padEnd(70_000, 'y')) },
);

/** How the query proves (or fails to prove) who is calling. */
const credential = fc.oneof(
  fc.record({ kind: fc.constant('valid' as const), id: fc.string({ minLength: 1, maxLength: 30 }) }),
  fc.record({ kind: fc.constant('none' as const) }),
  fc.record({
    kind: fc.constant('forged' as const),
    id: fc.string({ minLength: 1, maxLength: 30 }),
    sig: fc.string({ maxLength: 50 }),
  }),
  fc.record({
    kind: fc.constant('tampered' as const),
    id: fc.string({ minLength: 1, maxLength: 30 }),
    how: fc.constantFrom('id', 'sig', 'other', 'twice', 'drop-sig'),
  }),
);

interface Call {
  readonly method: string;
  readonly url: string;
  readonly contentType: string | undefined;
  readonly contentLength: string | undefined;
  readonly body: string | Uint8Array | undefined;
  /** 'pass', 'fail' or undefined where the query decides nothing certain. */
  readonly auth: 'pass' | 'fail';
}

const call: fc.Arbitrary<Call> = fc
  .record({
    method: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom('GET', 'POST') },
      { weight: 1, arbitrary: fc.constantFrom('PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD') },
    ),
    query: fc.oneof(fc.constant(''), fc.string({ maxLength: 30 }), fc.constantFrom('status=1&message_id=5', 'a=b&a=c')),
    credential,
    contentType,
    contentLength: fc.option(fc.oneof(fc.nat().map(String), headerText), { nil: undefined, freq: 8 }),
    body,
  })
  .map(({ method, query, credential: c, contentType: type, contentLength, body: b }) => {
    const base = `${HOOK}?${new URLSearchParams(query).toString()}`;
    let url = base;
    let auth: 'pass' | 'fail' = 'fail';
    if (c.kind === 'valid') {
      url = signCallbackUrl(base, c.id, SECRET);
      auth = 'pass';
    } else if (c.kind === 'forged') {
      const u = new URL(base);
      u.searchParams.set('parley_id', c.id);
      u.searchParams.set('parley_sig', c.sig);
      url = u.toString();
    } else if (c.kind === 'tampered') {
      const u = new URL(signCallbackUrl(base, c.id, SECRET));
      const sig = u.searchParams.get('parley_sig') ?? '';
      if (c.how === 'id') u.searchParams.set('parley_id', `${c.id}x`);
      if (c.how === 'sig') u.searchParams.set('parley_sig', sig.slice(1) + (sig[0] === 'A' ? 'B' : 'A'));
      if (c.how === 'other')
        u.searchParams.set(
          'parley_sig',
          new URL(signCallbackUrl(base, `${c.id}y`, SECRET)).searchParams.get('parley_sig')!,
        );
      if (c.how === 'twice') u.searchParams.append('parley_sig', sig);
      if (c.how === 'drop-sig') u.searchParams.delete('parley_sig');
      url = u.toString();
    }
    const hasBody = method !== 'GET' && method !== 'HEAD';
    return {
      method,
      url,
      contentType: type,
      contentLength: hasBody ? contentLength : undefined,
      body: hasBody ? b : undefined,
      auth,
    };
  });

/** Answers seen, per form: the generators must reach each of them. */
const seen = { fetch: new Set<number>(), node: new Set<number>() };

/** What the answer must be, where the call decides it. */
function checkAnswer(c: Call, status: number, form?: keyof typeof seen): void {
  if (form) seen[form].add(status);
  expect(ANSWERS).toContain(status);
  if (c.method !== 'GET' && c.method !== 'POST') expect(status).toBe(405);
  else if (c.auth === 'fail') expect(status).toBe(401);
  else expect(status).not.toBe(401);
}

function headersOf(c: Call): Record<string, string> {
  return {
    ...(c.contentType !== undefined ? { 'content-type': c.contentType } : {}),
    ...(c.contentLength !== undefined ? { 'content-length': c.contentLength } : {}),
  };
}

// -------------------------------------------------------------- Node form, in memory ----

/** The least of `ServerResponse` the handler uses, recording the answer. */
class FakeResponse extends PassThrough {
  statusCode = 200;
  headersSent = false;
  readonly headers = new Map<string, unknown>();
  readonly done: Promise<number>;
  #resolve!: (status: number) => void;

  constructor() {
    super();
    this.done = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  setHeader(name: string, value: unknown): this {
    this.headers.set(name.toLowerCase(), value);
    return this;
  }

  override end(...args: unknown[]): this {
    this.headersSent = true;
    super.end(...(args as []));
    this.#resolve(this.statusCode);
    return this;
  }
}

function nodeRequest(c: Call): http.IncomingMessage {
  const req = new PassThrough() as PassThrough & Record<string, unknown>;
  const u = new URL(c.url);
  req.method = c.method;
  req.url = u.pathname + u.search;
  req.headers = headersOf(c);
  req.complete = false;
  req.once('end', () => {
    req.complete = true;
  });
  if (c.body !== undefined) req.end(typeof c.body === 'string' ? Buffer.from(c.body) : Buffer.from(c.body));
  else req.end();
  return req as unknown as http.IncomingMessage;
}

// Hundreds of generated calls, some with bodies past the 1 MiB limit: slow on a loaded machine.
describe('webhook handler (fast-check)', { timeout: 90_000 }, () => {
  it('Fetch form: any Request gets a Response from {200, 400, 401, 405, 408, 413, 500}, never a throw', async () => {
    await fc.assert(
      fc.asyncProperty(call, async (c) => {
        const request = new Request(c.url, {
          method: c.method,
          headers: headersOf(c),
          ...(c.body !== undefined ? { body: c.body } : {}),
        });
        const response = await webhook(request);
        expect(response).toBeInstanceOf(Response);
        checkAnswer(c, response.status, 'fetch');
        const answer = (await response.json()) as Record<string, unknown>;
        expect(typeof answer).toBe('object');
      }),
      params(),
    );
    expect([...seen.fetch].sort()).toEqual(expect.arrayContaining([200, 400, 401, 405, 413]));
  });

  it('Node form: any (req, res) is answered from the same set, never a throw', async () => {
    await fc.assert(
      fc.asyncProperty(call, async (c) => {
        const res = new FakeResponse();
        const req = nodeRequest(c);
        expect(webhook(req, res as unknown as http.ServerResponse)).toBeUndefined();
        const status = await res.done;
        checkAnswer(c, status, 'node');
        expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      }),
      params(),
    );
    expect([...seen.node].sort()).toEqual(expect.arrayContaining([200, 400, 401, 405, 413]));
  });

  it('Node form over real HTTP: the same on real sockets', async () => {
    const server = http.createServer((req, res) => webhook(req, res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      await fc.assert(
        fc.asyncProperty(call, async (c) => {
          const u = new URL(c.url);
          // A declared length that disagrees with the body is not valid HTTP: let the client set it.
          const { 'content-length': _length, ...headers } = headersOf(c);
          const payload = c.body === undefined ? undefined : Buffer.from(c.body);
          if (payload !== undefined) headers['content-length'] = String(payload.length);
          const status = await new Promise<number>((resolve, reject) => {
            const req = http.request(
              { host: '127.0.0.1', port, method: c.method, path: u.pathname + u.search, headers, agent },
              (res) => {
                res.resume();
                res.once('end', () => resolve(res.statusCode ?? 0));
              },
            );
            req.once('error', reject);
            req.end(payload);
          });
          checkAnswer(c, status);
        }),
        params(Math.min(2_000, Number(process.env.PARLEY_FUZZ_RUNS ?? 2_000))),
      );
    } finally {
      agent.destroy();
      server.closeAllConnections();
      server.close();
    }
  });
});
