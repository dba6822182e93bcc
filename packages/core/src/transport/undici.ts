import { Agent, type Dispatcher, request as undiciRequest } from 'undici';
import { bodyTooLargeError, preflightError, toTransportError, watchRequest } from './errors.js';
import type { Transport, TransportOptions, TransportRequest, TransportResponse } from './types.js';

export interface UndiciTransportOptions extends TransportOptions {
  /**
   * The dispatcher to send through instead of the transport's own `Agent` (a proxy agent, or
   * undici's `MockAgent` in tests). The transport never closes a dispatcher it was given.
   */
  readonly dispatcher?: Dispatcher;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * The default transport, on undici: one keep-alive connection pool per origin, a connect time
 * limit, a whole-request time limit, a cap on the response body, and errors mapped to
 * `NETWORK` / `TIMEOUT` / `ABORTED` / `PROTOCOL` with an honest `delivery`.
 *
 * @example
 * const transport = undiciTransport({ timeoutMs: 15_000 });
 * const res = await transport.request({ method: 'GET', url: 'https://api.example.com/v1/ping', headers: {} });
 * await transport.close();
 */
export function undiciTransport(options: UndiciTransportOptions = {}): Transport {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const own =
    options.dispatcher === undefined
      ? new Agent({
          connect: { timeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS },
          headersTimeout: undiciTimeout(timeoutMs),
          bodyTimeout: undiciTimeout(timeoutMs),
          keepAliveTimeout: 4_000,
          keepAliveMaxTimeout: 60_000,
          pipelining: 1,
        })
      : undefined;
  const dispatcher: Dispatcher = options.dispatcher ?? own!;
  let closed = false;
  let closing: Promise<void> | undefined;

  return {
    async request(request) {
      const early = preflightError(request, closed);
      if (early) throw early;
      const limit = request.timeoutMs ?? timeoutMs;
      const watch = watchRequest(request.signal, limit);
      try {
        return await watch.guard(send(dispatcher, request, watch.signal, limit, maxResponseBytes));
      } catch (error) {
        const { method, url } = request;
        throw toTransportError(error, {
          method,
          url,
          phase: 'dispatched',
          stoppedBy: watch.stoppedBy,
          timeoutMs: limit,
        });
      } finally {
        watch.dispose();
      }
    },
    close() {
      closed = true;
      closing ??= own?.close() ?? Promise.resolve();
      return closing;
    },
  };
}

async function send(
  dispatcher: Dispatcher,
  request: TransportRequest,
  signal: AbortSignal,
  timeoutMs: number,
  maxBytes: number,
): Promise<TransportResponse> {
  const res = await undiciRequest(request.url, {
    dispatcher,
    method: request.method,
    headers: request.headers,
    body: request.body ?? null,
    signal,
    // Backstops under the whole-request limit; also lifts the agent's defaults for a longer request limit.
    headersTimeout: undiciTimeout(timeoutMs),
    bodyTimeout: undiciTimeout(timeoutMs),
  });
  const declared = Number(res.headers['content-length']);
  if (declared > maxBytes) {
    dropBody(res.body);
    throw bodyTooLargeError(maxBytes, res.statusCode, request.method, request.url);
  }
  const decoder = new TextDecoder();
  let size = 0;
  let body = '';
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      dropBody(res.body);
      throw bodyTooLargeError(maxBytes, res.statusCode, request.method, request.url);
    }
    body += decoder.decode(chunk, { stream: true });
  }
  body += decoder.decode();
  return { status: res.statusCode, headers: flattenHeaders(res.headers), body };
}

/** Lower-cased names; repeated headers joined with `, `. */
function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const entries: [string, string][] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) entries.push([name.toLowerCase(), Array.isArray(value) ? value.join(', ') : value]);
  }
  return Object.fromEntries(entries);
}

/** Stops reading and closes the connection (an unread body cannot be skipped cheaply). */
function dropBody(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => {});
  body.destroy();
}

/** undici reads `0` as "no limit". */
function undiciTimeout(ms: number): number {
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}
