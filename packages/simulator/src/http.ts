import type { IncomingMessage } from 'node:http';

/** Request bodies above this are answered 413 unread: both APIs take small JSON bodies. */
export const MAX_BODY_BYTES = 1024 * 1024;

const SECRET_HEADERS = new Set(['authorization', 'wolkvox-token', 'proxy-authorization', 'cookie']);

/** Headers for the request log, lower-case, with every credential replaced by `[redacted]`. */
export function redactedHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    out[name] = SECRET_HEADERS.has(name) ? '[redacted]' : Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** The first value of a request header. */
export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Reads the whole body as UTF-8; `'too_large'` past `limit` bytes, `undefined` when the client went away. */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string | 'too_large' | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (value: string | 'too_large' | undefined) => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      resolve(value);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.resume();
        settle('too_large');
      } else chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => settle(Buffer.concat(chunks).toString('utf8')));
    req.once('error', () => settle(undefined));
    req.once('close', () => settle(req.complete ? Buffer.concat(chunks).toString('utf8') : undefined));
  });
}

export type Parsed = { readonly ok: true; readonly value: unknown } | { readonly ok: false };

/** `JSON.parse` that reports failure instead of throwing; an empty body parses to `undefined`. */
export function parseJson(text: string): Parsed {
  if (text.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
