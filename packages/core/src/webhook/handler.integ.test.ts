import { once } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { validationError } from '../errors/factories.js';
import type { ParleyError } from '../errors/index.js';
import type { CallbackStatus } from '../provider.js';
import { createWebhookHandler, type WebhookHandlerOptions } from './handler.js';
import { signCallbackUrl } from './sign.js';
import type { WebhookHandler } from './types.js';

const SECRET = 'whsec_integ-test-secret-0123456789';
const KiB = 1024;
const MiB = 1024 * KiB;

/** The path and query of a signed callback URL (what the provider requests). */
function signedPath(id: string, query = ''): string {
  const url = new URL(signCallbackUrl(`http://hooks.example.com/parley${query}`, id, SECRET));
  return url.pathname + url.search;
}

function testParse(fields: Record<string, unknown>): CallbackStatus {
  if (fields.status === undefined) throw validationError([{ path: 'status', message: 'is missing' }], 'test');
  return { providerMessageId: String(fields.message_id), status: 'delivered', providerStatus: Number(fields.status) };
}

function harness(options: Partial<WebhookHandlerOptions> = {}) {
  const statuses: Array<[string, CallbackStatus]> = [];
  const errors: ParleyError[] = [];
  const parse = vi.fn(testParse);
  const handler = createWebhookHandler({
    secret: SECRET,
    parse,
    onStatus: (id, status) => {
      statuses.push([id, status]);
    },
    onError: (error) => {
      errors.push(error);
    },
    ...options,
  });
  return { handler, statuses, errors, parse };
}

// ---- one loopback server for the Node form; each test picks the listener it serves ----

let listener: http.RequestListener = (_req, res) => res.end();
const sockets: Socket[] = [];
const server = http.createServer((req, res) => listener(req, res));
server.on('connection', (socket) => sockets.push(socket));
let port = 0;

beforeAll(async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
});

interface CallInit {
  readonly method?: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Record<string, string>;
}

function nodeCall(handler: WebhookHandler | http.RequestListener, init: CallInit): Promise<Reply> {
  listener = handler as http.RequestListener;
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: init.method ?? 'POST', path: init.path, headers: init.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const headers = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, String(v)]));
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined, headers });
        });
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

async function fetchCall(handler: WebhookHandler, init: CallInit): Promise<Reply> {
  const response = await handler(
    new Request(`http://hooks.example.com${init.path}`, {
      method: init.method ?? 'POST',
      ...(init.headers ? { headers: init.headers } : {}),
      ...(init.body !== undefined ? { body: init.body } : {}),
    }),
  );
  const text = await response.text();
  return {
    status: response.status,
    body: text ? JSON.parse(text) : undefined,
    headers: Object.fromEntries(response.headers),
  };
}

const JSON_TYPE = { 'content-type': 'application/json' };
const FORM_TYPE = { 'content-type': 'application/x-www-form-urlencoded' };

describe.each([
  { form: 'node', call: nodeCall },
  { form: 'fetch', call: fetchCall },
])('webhook ($form form)', ({ call }) => {
  it('accepts a signed JSON POST and hands onStatus the id and the parsed status', async () => {
    const h = harness();
    const reply = await call(h.handler, {
      path: signedPath('msg_json'),
      headers: JSON_TYPE,
      body: JSON.stringify({ message_id: 4711, status: 2 }),
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ ok: true });
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    expect(h.statuses).toEqual([['msg_json', { providerMessageId: '4711', status: 'delivered', providerStatus: 2 }]]);
    expect(h.errors).toEqual([]);
  });

  it('accepts a signed form POST', async () => {
    const h = harness();
    const reply = await call(h.handler, {
      path: signedPath('msg_form'),
      headers: FORM_TYPE,
      body: 'message_id=99&status=3',
    });
    expect(reply.status).toBe(200);
    expect(h.statuses).toEqual([['msg_form', { providerMessageId: '99', status: 'delivered', providerStatus: 3 }]]);
  });

  it('accepts a signed GET carrying the fields in the query string, keeping the URL’s own query', async () => {
    const h = harness();
    const reply = await call(h.handler, {
      method: 'GET',
      path: `${signedPath('msg_get', '?tenant=7')}&message_id=5&status=1`,
    });
    expect(reply.status).toBe(200);
    expect(h.statuses).toEqual([['msg_get', { providerMessageId: '5', status: 'delivered', providerStatus: 1 }]]);
    expect(h.parse).toHaveBeenCalledWith({ tenant: '7', message_id: '5', status: '1' });
  });

  it('merges query and body (body wins) and never passes parley_id/parley_sig to parse', async () => {
    const h = harness();
    const reply = await call(h.handler, {
      path: `${signedPath('msg_merge')}&status=1&message_id=5`,
      headers: JSON_TYPE,
      body: JSON.stringify({ status: 4, parley_id: 'someone_else', parley_sig: 'x' }),
    });
    expect(reply.status).toBe(200);
    expect(h.parse).toHaveBeenCalledWith({ status: 4, message_id: '5' });
    expect(h.statuses[0]?.[0]).toBe('msg_merge');
  });

  it('awaits an async onStatus before answering', async () => {
    let settled = false;
    const h = harness({
      onStatus: async () => {
        await delay(50);
        settled = true;
      },
    });
    const reply = await call(h.handler, { path: signedPath('msg_async'), headers: FORM_TYPE, body: 'status=1' });
    expect(reply.status).toBe(200);
    expect(settled).toBe(true);
  });

  it('answers 401 without the credential, and does not parse', async () => {
    const h = harness();
    const reply = await call(h.handler, { path: '/parley?message_id=1', headers: FORM_TYPE, body: 'status=2' });
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ error: 'unauthorized' });
    expect(h.parse).not.toHaveBeenCalled();
    expect(h.statuses).toEqual([]);
    expect(h.errors.map((e) => [e.code, e.httpStatus])).toEqual([['AUTH', 401]]);
  });

  it('answers 401 to a forged signature, a tampered id, and a URL signed with another secret', async () => {
    const h = harness();
    const good = new URL(`http://x${signedPath('msg_1')}`).searchParams;
    const sig = good.get('parley_sig')!;
    const forged = `/parley?parley_id=msg_1&parley_sig=${(sig[0] === 'A' ? 'B' : 'A') + sig.slice(1)}`;
    const tampered = `/parley?parley_id=msg_2&parley_sig=${sig}`;
    const other = new URL(signCallbackUrl('http://x/parley', 'msg_1', 'not-the-secret'));
    for (const path of [forged, tampered, other.pathname + other.search]) {
      const reply = await call(h.handler, { path, headers: FORM_TYPE, body: 'status=2' });
      expect(reply.status, path).toBe(401);
    }
    expect(h.statuses).toEqual([]);
    expect(h.errors).toHaveLength(3);
  });

  it('answers 400 to bad JSON and to JSON that is not an object', async () => {
    const h = harness();
    for (const body of ['{"status": 2', '[1,2]', '"status"', 'null']) {
      const reply = await call(h.handler, { path: signedPath('msg_bad'), headers: JSON_TYPE, body });
      expect(reply.status, body).toBe(400);
      expect(reply.body).toEqual({ error: 'bad_request' });
    }
    expect(h.parse).not.toHaveBeenCalled();
    expect(h.errors.map((e) => e.code)).toEqual(['PROTOCOL', 'PROTOCOL', 'PROTOCOL', 'PROTOCOL']);
  });

  it('answers 400 when parse throws, reporting the ParleyError it threw', async () => {
    const h = harness();
    const reply = await call(h.handler, { path: signedPath('msg_p'), headers: JSON_TYPE, body: '{"message_id":1}' });
    expect(reply.status).toBe(400);
    expect(h.statuses).toEqual([]);
    expect(h.errors).toHaveLength(1);
    expect(h.errors[0]?.code).toBe('VALIDATION');
  });

  it('answers 400 when parse throws something other than a ParleyError', async () => {
    const h = harness({
      parse: () => {
        throw new TypeError('boom');
      },
    });
    const reply = await call(h.handler, { path: signedPath('msg_p'), headers: FORM_TYPE, body: 'status=1' });
    expect(reply.status).toBe(400);
    expect(h.errors[0]?.code).toBe('PROTOCOL');
    expect(h.errors[0]?.cause).toBeInstanceOf(TypeError);
  });

  it('answers 500 when onStatus throws, and reports it', async () => {
    const h = harness({
      onStatus: async () => {
        throw new Error('store is down');
      },
    });
    const reply = await call(h.handler, { path: signedPath('msg_500'), headers: FORM_TYPE, body: 'status=1' });
    expect(reply.status).toBe(500);
    expect(reply.body).toEqual({ error: 'internal_error' });
    expect(h.errors).toHaveLength(1);
    expect(h.errors[0]?.httpStatus).toBe(500);
    expect(h.errors[0]?.cause).toEqual(new Error('store is down'));
  });

  it('answers 405 to PUT, even when signed', async () => {
    const h = harness();
    const reply = await call(h.handler, {
      method: 'PUT',
      path: signedPath('msg_put'),
      headers: FORM_TYPE,
      body: 'status=1',
    });
    expect(reply.status).toBe(405);
    expect(reply.headers.allow).toBe('GET, POST');
    expect(h.statuses).toEqual([]);
  });

  it('answers 413 to a declared Content-Length over the limit', async () => {
    const h = harness({ maxBodyBytes: 100 });
    const reply = await call(h.handler, {
      path: signedPath('msg_big'),
      headers: FORM_TYPE,
      body: `status=1&pad=${'x'.repeat(200)}`,
    });
    expect(reply.status).toBe(413);
    expect(reply.body).toEqual({ error: 'payload_too_large' });
    expect(h.parse).not.toHaveBeenCalled();
    expect(h.errors[0]?.httpStatus).toBe(413);
  });

  it('keeps the secret and the signature out of every reported error', async () => {
    const h = harness({ maxBodyBytes: 100, provider: 'decisiontelecom' });
    const path = signedPath('msg_leak');
    const sig = new URL(`http://x${path}`).searchParams.get('parley_sig')!;
    const forged = `/parley?parley_id=msg_leak&parley_sig=${sig.slice(0, -1)}A`;
    await call(h.handler, { path: forged, headers: FORM_TYPE, body: 'status=1' });
    await call(h.handler, { path, headers: JSON_TYPE, body: '{bad' });
    await call(h.handler, { path, headers: FORM_TYPE, body: 'message_id=1' });
    await call(h.handler, { path, headers: FORM_TYPE, body: 'x'.repeat(500) });
    expect(h.errors.map((e) => e.code)).toEqual(['AUTH', 'PROTOCOL', 'VALIDATION', 'PROTOCOL']);
    for (const error of h.errors) {
      const dump = `${inspect(error, { depth: 10 })} ${JSON.stringify(error)} ${error.stack}`;
      expect(dump).not.toContain(SECRET);
      expect(dump).not.toContain(sig);
      expect(dump).not.toContain(sig.slice(0, -1));
    }
    expect(h.errors[0]?.provider).toBe('decisiontelecom');
  });

  it('still answers when onError itself throws', async () => {
    const h = harness({
      onError: () => {
        throw new Error('logger broke');
      },
    });
    const reply = await call(h.handler, { path: '/parley', headers: FORM_TYPE, body: 'status=1' });
    expect(reply.status).toBe(401);
  });
});

// ---- Node form: body limits on a real socket, and never throwing ----

interface StreamOutcome {
  readonly status?: number;
  readonly error?: string;
  readonly ms: number;
}

describe('webhook (node form) on a real socket', () => {
  it('answers 413 to a multi-MiB chunked body, stops reading it and drops the connection', async () => {
    const h = harness();
    listener = h.handler;
    // a keep-alive client, so that closing the connection is the server's own decision
    const agent = new http.Agent({ keepAlive: true });
    const before = sockets.length;
    const total = 16 * MiB;
    const chunk = Buffer.alloc(64 * KiB, 0x61);
    const started = Date.now();
    const req = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: signedPath('msg_flood'),
      headers: JSON_TYPE, // no Content-Length: chunked transfer
      agent,
    });
    const outcome = await new Promise<StreamOutcome>((resolve) => {
      let sent = 0;
      let settled = false;
      const settle = (result: Omit<StreamOutcome, 'ms'>) => {
        if (settled) return;
        settled = true;
        resolve({ ...result, ms: Date.now() - started });
      };
      req.on('response', (res) => {
        settle({ status: res.statusCode ?? 0 });
        res.resume();
      });
      req.on('error', (error: NodeJS.ErrnoException) => settle({ error: error.code ?? error.message }));
      const pump = (): void => {
        while (!settled && sent < total) {
          sent += chunk.length;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
        if (!settled) req.end();
      };
      pump();
    });
    await delay(100);
    const serverSide = sockets[before]!;
    const { destroyed, bytesRead } = serverSide;
    req.destroy();
    agent.destroy();
    expect(outcome.status === 413 || outcome.error !== undefined, JSON.stringify(outcome)).toBe(true);
    expect(outcome.ms).toBeLessThan(2_000);
    expect(destroyed).toBe(true);
    expect(bytesRead).toBeLessThan(1 * MiB);
    expect(h.statuses).toEqual([]);
    expect(h.parse).not.toHaveBeenCalled();
    expect(h.errors.map((e) => e.httpStatus)).toEqual([413]);
  });

  it('answers 408 to a body that stalls, within bodyTimeoutMs, and drops the connection', async () => {
    const h = harness({ bodyTimeoutMs: 150 });
    listener = h.handler;
    const agent = new http.Agent({ keepAlive: true });
    const before = sockets.length;
    const started = Date.now();
    const req = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: signedPath('msg_slow'),
      headers: { ...JSON_TYPE, 'content-length': '100' },
      agent,
    });
    req.write('{"status":');
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    const elapsed = Date.now() - started;
    res.resume();
    await once(res, 'end');
    await delay(50);
    const closedByServer = sockets[before]!.destroyed;
    req.destroy();
    agent.destroy();
    expect(res.statusCode).toBe(408);
    expect(res.headers.connection).toBe('close');
    expect(closedByServer).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(2_000);
    expect(h.statuses).toEqual([]);
    expect(h.errors.map((e) => [e.code, e.httpStatus])).toEqual([['TIMEOUT', 408]]);
  });

  it('does not throw when the response is already destroyed', async () => {
    const h = harness();
    const thrown: unknown[] = [];
    const wrapped: http.RequestListener = (req, res) => {
      res.destroy();
      try {
        h.handler(req, res);
      } catch (error) {
        thrown.push(error);
      }
    };
    await expect(
      nodeCall(wrapped, { path: signedPath('msg_gone'), headers: FORM_TYPE, body: 'status=1' }).catch(
        (e: NodeJS.ErrnoException) => e.code,
      ),
    ).resolves.toBe('ECONNRESET');
    await delay(50);
    expect(thrown).toEqual([]);
  });

  it('still ends the exchange when writing the answer fails', async () => {
    const h = harness();
    const wrapped: http.RequestListener = (req, res) => {
      res.setHeader = () => {
        throw new Error('setHeader broke');
      };
      h.handler(req, res);
    };
    const started = Date.now();
    const outcome = await nodeCall(wrapped, {
      path: signedPath('msg_broken'),
      headers: FORM_TYPE,
      body: 'status=1',
    }).then(
      (reply) => reply.status,
      (e: NodeJS.ErrnoException) => e.code,
    );
    expect(outcome).toBe('ECONNRESET');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(h.statuses.map(([id]) => id)).toEqual(['msg_broken']);
  });

  it('ends the response without throwing when headers were already sent', async () => {
    const h = harness();
    const thrown: unknown[] = [];
    const wrapped: http.RequestListener = (req, res) => {
      res.writeHead(202, { 'content-type': 'text/plain' });
      res.write('early');
      try {
        h.handler(req, res);
      } catch (error) {
        thrown.push(error);
      }
    };
    const reply = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      listener = wrapped;
      const req = http.request(
        { host: '127.0.0.1', port, method: 'POST', path: signedPath('msg_sent'), headers: FORM_TYPE, agent: false },
        (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (c: string) => {
            text += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.end('status=1');
    });
    expect(reply).toEqual({ status: 202, text: 'early' });
    expect(thrown).toEqual([]);
    expect(h.statuses.map(([id]) => id)).toEqual(['msg_sent']);
  });
});

// ---- Fetch form: body limits on a stream ----

describe('webhook (fetch form) with a streamed body', () => {
  it('answers 413 to an endless stream and cancels it', async () => {
    const h = harness();
    let pulled = 0;
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 16 * KiB;
        controller.enqueue(new Uint8Array(16 * KiB).fill(0x61));
      },
      cancel() {
        cancelled = true;
      },
    });
    const request = new Request(`http://hooks.example.com${signedPath('msg_flood')}`, {
      method: 'POST',
      headers: JSON_TYPE,
      body,
      duplex: 'half',
    });
    const response = await h.handler(request);
    expect(response.status).toBe(413);
    expect(cancelled).toBe(true);
    expect(pulled).toBeLessThan(1 * MiB);
    expect(h.statuses).toEqual([]);
    expect(h.errors.map((e) => e.httpStatus)).toEqual([413]);
  });

  it('answers 408 to a stream that stalls, within bodyTimeoutMs, and cancels it', async () => {
    const h = harness({ bodyTimeoutMs: 150 });
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"status":'));
      },
      cancel() {
        cancelled = true;
      },
    });
    const started = Date.now();
    const response = await h.handler(
      new Request(`http://hooks.example.com${signedPath('msg_slow')}`, {
        method: 'POST',
        headers: JSON_TYPE,
        body,
        duplex: 'half',
      }),
    );
    const elapsed = Date.now() - started;
    expect(response.status).toBe(408);
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(2_000);
    expect(cancelled).toBe(true);
    expect(h.errors.map((e) => e.code)).toEqual(['TIMEOUT']);
  });

  it('is told apart from a Node request: returns a Response promise', async () => {
    const h = harness();
    const result = h.handler(new Request(`http://hooks.example.com/parley`));
    expect(result).toBeInstanceOf(Promise);
    expect((await result).status).toBe(401);
  });
});

describe('Node form behind a body-parsing middleware (Express express.json / urlencoded)', () => {
  /** Reads and parses the body first, as such middleware does, then calls the handler. */
  function parsedFirst(handler: WebhookHandler, parseBody: (text: string) => unknown): http.RequestListener {
    return (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        (req as { body?: unknown }).body = parseBody(Buffer.concat(chunks).toString('utf8'));
        handler(req, res);
      });
    };
  }

  it('reads a JSON body the middleware already parsed', async () => {
    const h = harness();
    const reply = await nodeCall(
      parsedFirst(h.handler, (t) => JSON.parse(t)),
      {
        path: signedPath('pm_express'),
        headers: JSON_TYPE,
        body: JSON.stringify({ message_id: 7, status: 1 }),
      },
    );
    expect(reply.status).toBe(200);
    expect(h.statuses).toEqual([['pm_express', { providerMessageId: '7', status: 'delivered', providerStatus: 1 }]]);
  });

  it('reads a form body the middleware parsed into an object', async () => {
    const h = harness();
    const reply = await nodeCall(
      parsedFirst(h.handler, (t) => Object.fromEntries(new URLSearchParams(t))),
      { path: signedPath('pm_form'), headers: FORM_TYPE, body: 'message_id=8&status=7' },
    );
    expect(reply.status).toBe(200);
    expect(h.statuses[0]?.[1]).toMatchObject({ providerMessageId: '8', providerStatus: 7 });
  });

  it('still answers 413 to a parsed body over the limit', async () => {
    const h = harness({ maxBodyBytes: 64 });
    const reply = await nodeCall(
      parsedFirst(h.handler, (t) => JSON.parse(t)),
      {
        path: signedPath('pm_big'),
        headers: JSON_TYPE,
        body: JSON.stringify({ message_id: 9, status: 1, pad: 'x'.repeat(200) }),
      },
    );
    expect(reply.status).toBe(413);
    expect(h.statuses).toEqual([]);
  });
});
