import { once } from 'node:events';
import { createServer, request as httpRequest, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A node:http server on a free loopback port. */
export interface LoopbackServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/**
 * Starts a node:http server on 127.0.0.1 and a free port.
 *
 * @example
 * const s = await startLoopbackServer((req, res) => res.end('ok'));
 * await s.close();
 */
export async function startLoopbackServer(handler: RequestListener): Promise<LoopbackServer> {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A loopback server whose handler is set later (its URL goes into a config before the messenger exists). */
export interface LateBoundServer extends LoopbackServer {
  mount(handler: RequestListener): void;
}

/**
 * Starts a loopback server that answers 503 until a handler is mounted.
 *
 * @example
 * const hooks = await startLateBoundServer();
 * const messenger = createMessenger({ ..., callbackUrl: `${hooks.url}/hook` }, options);
 * hooks.mount(messenger.webhook!);
 */
export async function startLateBoundServer(): Promise<LateBoundServer> {
  let mounted: RequestListener | undefined;
  const base = await startLoopbackServer((req, res) => {
    if (mounted) return mounted(req, res);
    res.statusCode = 503;
    res.end();
  });
  return {
    ...base,
    mount(handler) {
      mounted = handler;
    },
  };
}

/** One response, read in full. */
export interface SimpleResponse {
  readonly status: number;
  readonly body: string;
}

/**
 * One HTTP request without keep-alive (so no socket outlives it), for calling webhooks in tests.
 *
 * @example
 * await send('http://127.0.0.1:8080/hook?x=1', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
 */
export function send(
  url: string,
  init: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: string },
): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: init.method, headers: init.headers ?? {}, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** Resolves once `check()` holds, polling every 5 ms; rejects after `ms`. */
export function until(check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (check()) return resolve();
      if (Date.now() > deadline) return reject(new Error('condition not met in time'));
      setTimeout(tick, 5);
    };
    tick();
  });
}
