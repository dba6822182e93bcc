import { bodyTooLargeError, preflightError, watched } from './errors.js';
import type { Transport, TransportOptions, TransportRequest, TransportResponse } from './types.js';

export interface FetchTransportOptions extends TransportOptions {
  /** The `fetch` to call. Default: the global `fetch`, looked up at each request (so test interceptors apply). */
  readonly fetch?: typeof fetch;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * A transport on the global `fetch`, for runtimes without undici (and for tests that intercept
 * `fetch`). Same whole-request time limit, abort, body cap and error mapping as `undiciTransport`;
 * `connectTimeoutMs` is not supported (`fetch` has no such option), and redirects are not followed.
 *
 * @example
 * const transport = fetchTransport({ timeoutMs: 15_000 });
 * const res = await transport.request({ method: 'POST', url: 'https://api.example.com/v1/messages', headers, body });
 */
export function fetchTransport(options: FetchTransportOptions = {}): Transport {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  let closed = false;

  return {
    async request(request) {
      const early = preflightError(request, closed);
      if (early) throw early;
      const doFetch = options.fetch ?? globalThis.fetch;
      return watched(request, request.timeoutMs ?? timeoutMs, (watch) =>
        send(doFetch, request, watch.signal, maxResponseBytes),
      );
    },
    async close() {
      closed = true;
    },
  };
}

async function send(
  doFetch: typeof fetch,
  request: TransportRequest,
  signal: AbortSignal,
  maxBytes: number,
): Promise<TransportResponse> {
  const res = await doFetch(request.url, {
    method: request.method,
    headers: request.headers,
    body: request.body ?? null,
    signal,
    redirect: 'manual',
  });
  const tooLarge = () => bodyTooLargeError(maxBytes, res.status, request.method, request.url);
  if (Number(res.headers.get('content-length')) > maxBytes) {
    res.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  const headers = collectHeaders(res.headers);
  if (res.body === null) return { status: res.status, headers, body: '' };
  const reader = res.body.getReader();
  let size = 0;
  const chunks: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  // Decoding the bytes at once gives the same text as decoding them chunk by chunk in stream mode.
  const body = DECODER.decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
  return { status: res.status, headers, body };
}

/** Stateless between calls (never used in stream mode), so one serves every response. */
const DECODER = new TextDecoder();

/** Lower-cased names; repeated headers (`set-cookie` comes one by one) joined with `, `. */
function collectHeaders(headers: Headers): Record<string, string> {
  const joined = new Map<string, string>();
  headers.forEach((value, name) => {
    const previous = joined.get(name);
    joined.set(name, previous === undefined ? value : `${previous}, ${value}`);
  });
  return Object.fromEntries(joined);
}
