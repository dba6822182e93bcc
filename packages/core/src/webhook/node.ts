import type { IncomingMessage, ServerResponse } from 'node:http';

/** What the Node adapter knows about a body that is not (or no longer) on the request's stream. */
export type BodyHint =
  | {
      readonly kind: 'parsed';
      readonly bytes: Uint8Array;
      /** Whether these are the bytes as sent (false where rebuilt from a parsed object). */
      readonly exact: boolean;
      readonly contentType: string | undefined;
    }
  | { readonly kind: 'consumed'; readonly contentType?: undefined }
  /** The body is still on the Node request's stream, read from there (no Web stream in between). */
  | { readonly kind: 'stream'; readonly req: IncomingMessage; readonly contentType?: undefined };

const hints = new WeakMap<Request, BodyHint>();

/** The hint the Node adapter left on a request it made, if any. */
export function hintOf(request: Request): BodyHint | undefined {
  return hints.get(request);
}

function asBytes(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  return undefined;
}

/**
 * Where a framework left a body it already read: `req.rawBody` (bytes or string, exact), else
 * `req.body` as bytes or a string (exact), else `req.body` as an object (rebuilt as JSON, not
 * exact). `consumed` where the stream was read and none is found; `undefined` where the stream
 * still holds the body (or there is none).
 */
export function bodyHint(req: IncomingMessage): BodyHint | undefined {
  if (!req.readableEnded) return undefined;
  const r = req as { rawBody?: unknown; body?: unknown };
  const contentType = req.headers['content-type'];
  const raw = asBytes(r.rawBody) ?? asBytes(r.body);
  if (raw !== undefined) return { kind: 'parsed', bytes: raw, exact: true, contentType };
  if (typeof r.body === 'object' && r.body !== null) {
    const bytes = Buffer.from(JSON.stringify(r.body), 'utf8');
    return { kind: 'parsed', bytes, exact: false, contentType: 'application/json' };
  }
  const declared = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  return declared ? { kind: 'consumed' } : undefined;
}

function headersOf(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name.startsWith(':')) continue;
    try {
      if (Array.isArray(value)) for (const v of value) headers.append(name, v);
      else headers.set(name, value);
    } catch {
      // a header a Fetch Headers cannot hold is not one the webhook reads
    }
  }
  return headers;
}

/**
 * A Fetch `Request` for a Node request, as `@hono/node-server` makes one: same method, URL and
 * headers. Its body stays on `req` (read from there, within the limits, only once the call is
 * authenticated where the credential is in the URL) or is taken from where a framework left it.
 */
export function nodeToRequest(req: IncomingMessage): Request {
  const method = (req.method ?? 'GET').toUpperCase();
  let url: URL;
  try {
    url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
  } catch {
    url = new URL(req.url ?? '/', 'http://localhost');
  }
  const parsed = bodyHint(req);
  const streamed = method !== 'GET' && method !== 'HEAD' && parsed === undefined && !req.readableEnded;
  const hint: BodyHint | undefined = streamed ? { kind: 'stream', req } : parsed;
  const request = new Request(url, { method, headers: headersOf(req) });
  if (hint !== undefined) hints.set(request, hint);
  return request;
}

/**
 * Writes a Fetch `Response` to a Node response. Where the request's body was not read to its end
 * (an early 401, 413 or 408), the connection is closed after the answer instead of drained.
 * Never throws.
 */
export function writeResponse(req: IncomingMessage, res: ServerResponse, response: Response): void {
  const fail = (): void => {
    try {
      res.destroy();
    } catch {
      // nothing more can be done for this response
    }
  };
  response.arrayBuffer().then((buffer) => {
    try {
      if (res.destroyed || res.writableEnded) return;
      if (res.headersSent) {
        res.end();
        return;
      }
      const body = Buffer.from(buffer);
      res.statusCode = response.status;
      for (const [name, value] of response.headers) res.setHeader(name, value);
      res.setHeader('content-length', body.byteLength);
      if (!req.complete) {
        res.setHeader('connection', 'close');
        res.once('finish', () => {
          try {
            req.destroy();
          } catch {
            // already gone
          }
        });
      }
      res.end(body);
    } catch {
      fail();
    }
  }, fail);
}
