import { once } from 'node:events';
import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { MockAgent, errors as undiciErrors, request as undiciRequest } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { ParleyError } from '../errors/ParleyError.js';
import type { Transport, TransportRequest } from './types.js';
import { undiciTransport } from './undici.js';

interface TestServer {
  readonly url: string;
  /** TCP connections accepted so far. */
  readonly connections: () => number;
  /** Sockets the server accepted, in order. */
  readonly sockets: Socket[];
  /** Resolves with the first request the server receives. */
  readonly received: Promise<IncomingMessage>;
}

const servers: Server[] = [];
const transports: Transport[] = [];

afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
  await Promise.all(
    servers.splice(0).map((server) => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    }),
  );
});

async function startServer(handler: RequestListener): Promise<TestServer> {
  const sockets: Socket[] = [];
  let markReceived!: (req: IncomingMessage) => void;
  const received = new Promise<IncomingMessage>((resolve) => {
    markReceived = resolve;
  });
  const server = createServer((req, res) => {
    markReceived(req);
    handler(req, res);
  });
  // Long enough that no idle socket closes by itself while a test watches it.
  server.keepAliveTimeout = 30_000;
  server.on('connection', (socket: Socket) => sockets.push(socket));
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, connections: () => sockets.length, sockets, received };
}

function transport(options: Parameters<typeof undiciTransport>[0] = {}): Transport {
  const t = undiciTransport(options);
  transports.push(t);
  return t;
}

function get(url: string, extra: Partial<TransportRequest> = {}): TransportRequest {
  return { method: 'GET', url, headers: {}, ...extra };
}

/** Resolves once the server side of `socket` is closed. */
function closed(socket: Socket): Promise<unknown> {
  return socket.destroyed ? Promise.resolve() : once(socket, 'close');
}

/** The rejection of `promise`, which must reject with a `ParleyError`. */
async function failure(promise: Promise<unknown>): Promise<ParleyError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ParleyError)) throw new Error(`expected a ParleyError, got ${String(error)}`);
  return error;
}

describe('undiciTransport against a real HTTP server', () => {
  it('returns status, lower-cased headers (repeated ones joined) and body, and sends method, headers and body', async () => {
    const server = await startServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        body += chunk;
      });
      req.on('end', () => {
        res.setHeader('Content-Type', 'application/json');
        res.setHeader('X-Request-Id', 'r-1');
        res.setHeader('Set-Cookie', ['a=1', 'b=2']);
        res.writeHead(201);
        res.end(JSON.stringify({ method: req.method, url: req.url, auth: req.headers.authorization, body }));
      });
    });
    const res = await transport().request({
      method: 'POST',
      url: `${server.url}/v1/messages?x=1`,
      headers: { authorization: 'Bearer t0k', 'content-type': 'application/json' },
      body: '{"text":"héllo"}',
    });
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['x-request-id']).toBe('r-1');
    expect(res.headers['set-cookie']).toBe('a=1, b=2');
    expect(JSON.parse(res.body)).toEqual({
      method: 'POST',
      url: '/v1/messages?x=1',
      auth: 'Bearer t0k',
      body: '{"text":"héllo"}',
    });
  });

  it('decodes a UTF-8 character split across two chunks of the body whole', async () => {
    const bytes = Buffer.from('{"text":"héllo ✓"}', 'utf8');
    const cut = bytes.indexOf(0xe2) + 1; // inside the three bytes of ✓
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(bytes.subarray(0, cut));
      setTimeout(() => res.end(bytes.subarray(cut)), 20);
    });
    const res = await transport().request(get(`${server.url}/split`));
    expect(res.body).toBe('{"text":"héllo ✓"}');
  });

  it('resolves (does not reject) with a 500 and its HTML body', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(500, { 'Content-Type': 'text/html' });
      res.end('<html><body>Internal Server Error</body></html>');
    });
    const res = await transport().request(get(`${server.url}/boom`));
    expect(res.status).toBe(500);
    expect(res.headers['content-type']).toBe('text/html');
    expect(res.body).toBe('<html><body>Internal Server Error</body></html>');
  });

  it('fails with TIMEOUT (unknown) when the server never answers, and leaves query and headers out of the message', async () => {
    const server = await startServer(() => {});
    const started = Date.now();
    const error = await failure(
      transport({ timeoutMs: 30_000 }).request(
        get(`${server.url}/slow?token=q-secret`, { headers: { authorization: 'Bearer h-secret' }, timeoutMs: 150 }),
      ),
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toMatchObject({ code: 'TIMEOUT', delivery: 'unknown', retryable: true });
    expect(error.message).toContain(`GET ${server.url}/slow`);
    expect(error.message).not.toContain('secret');
    expect(JSON.stringify(error)).not.toContain('secret');
  });

  it('fails with TIMEOUT (unknown) when the body stalls after the headers', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"partial":');
    });
    const error = await failure(transport({ timeoutMs: 200 }).request(get(`${server.url}/stall`)));
    expect(error).toMatchObject({ code: 'TIMEOUT', delivery: 'unknown' });
  });

  it('fails with NETWORK (unknown) when the server destroys the socket after receiving the request', async () => {
    const server = await startServer((req) => req.socket.destroy());
    const error = await failure(transport().request({ ...get(`${server.url}/drop`), method: 'POST', body: '{}' }));
    expect(error).toMatchObject({ code: 'NETWORK', delivery: 'unknown', retryable: true });
  });

  it('fails with NETWORK (unknown) when the connection breaks in the middle of the body', async () => {
    const server = await startServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '100' });
      res.write('{"message_id":', () => setTimeout(() => req.socket.destroy(), 20));
    });
    const error = await failure(transport().request({ ...get(`${server.url}/half`), method: 'POST', body: '{}' }));
    expect(error).toMatchObject({ code: 'NETWORK', delivery: 'unknown', retryable: true });
  });

  it('reads a chunked body of many chunks whole, and an empty body as the empty string', async () => {
    const parts = Array.from({ length: 50 }, (_, i) => `"k${i}":${i}`);
    const server = await startServer((req, res) => {
      if (req.url === '/empty') {
        res.writeHead(204).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{');
      let i = 0;
      const next = () => {
        if (i === parts.length) {
          res.end('}');
          return;
        }
        res.write(`${i > 0 ? ',' : ''}${parts[i++]}`, () => setImmediate(next));
      };
      next();
    });
    const t = transport();
    const res = await t.request(get(`${server.url}/many`));
    expect(res.body).toBe(`{${parts.join(',')}}`);
    expect((await t.request(get(`${server.url}/empty`))).body).toBe('');
  });

  it('fails with NETWORK (not_sent) when the connection is refused', async () => {
    const server = await startServer(() => {});
    const url = server.url;
    const closing = servers.pop()!;
    await new Promise<void>((resolve) => closing.close(() => resolve()));
    const error = await failure(transport().request({ ...get(`${url}/v1`), method: 'POST', body: '{}' }));
    expect(error).toMatchObject({ code: 'NETWORK', delivery: 'not_sent', retryable: true });
    expect(error.message).toContain('connection refused');
  });

  it('fails with ABORTED (not_sent) without connecting when the signal is already aborted', async () => {
    const server = await startServer((_req, res) => res.end('ok'));
    const controller = new AbortController();
    controller.abort(new Error('caller gave up'));
    const error = await failure(transport().request(get(`${server.url}/x`, { signal: controller.signal })));
    expect(error).toMatchObject({ code: 'ABORTED', delivery: 'not_sent' });
    expect(error.cause).toBe(controller.signal.reason);
    expect(server.connections()).toBe(0);
  });

  it('fails with ABORTED (unknown) when the caller aborts after the server got the request', async () => {
    const server = await startServer(() => {});
    const controller = new AbortController();
    const pending = transport().request(get(`${server.url}/x`, { signal: controller.signal }));
    await server.received;
    const reason = new Error('user cancelled');
    controller.abort(reason);
    const error = await failure(pending);
    expect(error).toMatchObject({ code: 'ABORTED', delivery: 'unknown', retryable: false });
    expect(error.cause).toBe(reason);
  });

  it('fails with PROTOCOL past maxResponseBytes and drops the connection before the server is done', async () => {
    let serverSide!: Promise<{ finished: boolean; sent: number }>;
    const total = 32 * 1024 * 1024;
    const server = await startServer((_req, res) => {
      serverSide = new Promise((resolve) => {
        res.on('close', () => resolve({ finished: res.writableFinished, sent }));
      });
      const chunk = Buffer.alloc(16 * 1024, 'a');
      let sent = 0;
      const pump = (): void => {
        while (sent < total && !res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      pump();
    });
    const error = await failure(transport({ maxResponseBytes: 64 * 1024 }).request(get(`${server.url}/big`)));
    expect(error).toMatchObject({ code: 'PROTOCOL', delivery: 'unknown', httpStatus: 200, body: undefined });
    expect(error.message).toContain('65536 bytes');
    const { finished, sent } = await serverSide;
    expect(finished).toBe(false);
    expect(sent).toBeLessThan(total);
  });

  it('fails with PROTOCOL at once when content-length declares more than maxResponseBytes', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'Content-Length': String(10_000) });
      res.write('x'.repeat(100));
    });
    const error = await failure(transport({ maxResponseBytes: 1_000, timeoutMs: 5_000 }).request(get(server.url)));
    expect(error).toMatchObject({ code: 'PROTOCOL', delivery: 'unknown', httpStatus: 200 });
    await closed(server.sockets[0]!);
  });

  it('reuses one keep-alive connection for sequential requests', async () => {
    const server = await startServer((req, res) => res.end(req.url));
    const t = transport();
    expect((await t.request(get(`${server.url}/one`))).body).toBe('/one');
    // undici (pipelining 1) waits one event-loop turn before reusing a socket; a request sent in
    // the same turn would open a second one.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await t.request(get(`${server.url}/two`))).body).toBe('/two');
    expect(server.connections()).toBe(1);
  });

  it('close() lets a request in flight settle, then closes the socket; later requests fail ABORTED (not_sent)', async () => {
    const server = await startServer((_req, res) => setTimeout(() => res.end('late'), 100));
    const t = transport();
    const pending = t.request(get(`${server.url}/x`));
    await server.received;
    const socket = server.sockets[0]!;
    const socketClosed = once(socket, 'close').then(() => 'closed');
    await t.close();
    await expect(pending).resolves.toMatchObject({ status: 200, body: 'late' });
    const soon = new Promise((resolve) => setTimeout(resolve, 1_000, 'still open'));
    expect(await Promise.race([socketClosed, soon])).toBe('closed');
    const error = await failure(t.request(get(`${server.url}/after`)));
    expect(error).toMatchObject({ code: 'ABORTED', delivery: 'not_sent' });
    expect(server.connections()).toBe(1);
  });

  it('rejects a non-http URL with NETWORK (not_sent), not retryable', async () => {
    const error = await failure(transport().request(get('ftp://files.example.test/x')));
    expect(error).toMatchObject({ code: 'NETWORK', delivery: 'not_sent', retryable: false });
  });
});

describe('undiciTransport with an injected dispatcher (MockAgent)', () => {
  it('sends through it, maps its errors, and never closes it', async () => {
    const mock = new MockAgent();
    mock.disableNetConnect();
    const pool = mock.get('https://api.example.test');
    pool
      .intercept({ path: '/v1/messages', method: 'POST', body: '{"to":"x"}' })
      .reply(201, { id: 'm-1' }, { headers: { 'content-type': 'application/json' } });
    pool.intercept({ path: '/connect', method: 'GET' }).replyWithError(new undiciErrors.ConnectTimeoutError());
    pool
      .intercept({ path: '/socket', method: 'GET' })
      .replyWithError(new undiciErrors.SocketError('other side closed'));
    pool.intercept({ path: '/headers', method: 'GET' }).replyWithError(new undiciErrors.HeadersTimeoutError());
    pool.intercept({ path: '/after-close', method: 'GET' }).reply(204, '');

    const t = undiciTransport({ dispatcher: mock });
    const res = await t.request({
      method: 'POST',
      url: 'https://api.example.test/v1/messages',
      headers: { 'content-type': 'application/json' },
      body: '{"to":"x"}',
    });
    expect(res).toEqual({ status: 201, headers: { 'content-type': 'application/json' }, body: '{"id":"m-1"}' });

    const base = 'https://api.example.test';
    expect(await failure(t.request(get(`${base}/connect`)))).toMatchObject({ code: 'TIMEOUT', delivery: 'not_sent' });
    expect(await failure(t.request(get(`${base}/socket`)))).toMatchObject({ code: 'NETWORK', delivery: 'unknown' });
    expect(await failure(t.request(get(`${base}/headers`)))).toMatchObject({ code: 'TIMEOUT', delivery: 'unknown' });

    await t.close();
    const after = await undiciRequest(`${base}/after-close`, { dispatcher: mock });
    expect(after.statusCode).toBe(204);
    await after.body.dump();
    mock.assertNoPendingInterceptors();
    await mock.close();
  });
});
