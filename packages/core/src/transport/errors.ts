import type { Delivery } from '../errors/codes.js';
import { abortedError, networkError, protocolError, timeoutError } from '../errors/factories.js';
import { isParleyError, type ParleyError } from '../errors/ParleyError.js';
import type { TransportRequest } from './types.js';

/** Why a transport's own signal fired: its whole-request time limit, or the caller's signal. */
export type StopReason = 'timeout' | 'caller';

/** Where a request stood when it failed. `not_dispatched` only when it surely never left the process. */
export type TransportPhase = 'not_dispatched' | 'dispatched';

export interface TransportErrorContext {
  readonly method: string;
  /** Only its origin and path reach the message; never its query string. */
  readonly url: string;
  readonly phase: TransportPhase;
  readonly stoppedBy?: StopReason | undefined;
  /** The whole-request time limit in force, for the message of a `TIMEOUT`. */
  readonly timeoutMs?: number | undefined;
}

/** Codes that prove the request never reached the server: the connection was never made. */
const NOT_SENT: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found (DNS)',
  EAI_AGAIN: 'DNS lookup failed temporarily',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  // A TLS handshake that fails ends before any byte of the request is written.
  CERT_HAS_EXPIRED: 'the server certificate has expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the server certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'the server certificate chain is self-signed',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the server certificate cannot be verified',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the server certificate does not match the host',
};

/** Codes of a connection that failed after the request may have been written. */
const BROKEN: Readonly<Record<string, string>> = {
  UND_ERR_SOCKET: 'the connection closed unexpectedly',
  ECONNRESET: 'the connection was reset',
  EPIPE: 'the connection broke while sending',
};

const TIMEOUTS: Readonly<Record<string, { what: string; delivery: Delivery }>> = {
  UND_ERR_CONNECT_TIMEOUT: { what: 'connecting', delivery: 'not_sent' },
  UND_ERR_HEADERS_TIMEOUT: { what: 'waiting for the response headers', delivery: 'unknown' },
  UND_ERR_BODY_TIMEOUT: { what: 'reading the response body', delivery: 'unknown' },
  ETIMEDOUT: { what: 'on the connection', delivery: 'unknown' },
};

const ABORTS = new Set(['UND_ERR_ABORTED', 'ABORT_ERR', 'UND_ERR_DESTROYED', 'UND_ERR_CLOSED']);

/**
 * Codes of a request the HTTP client refused to build (undici checks the method, path, headers and
 * body before it dispatches anything): nothing left the process, and the same request fails the
 * same way again.
 */
const INVALID: Readonly<Record<string, string>> = {
  UND_ERR_INVALID_ARG: 'the request was refused before sending (an invalid header value or argument)',
};

/** `POST https://host/path`: safe for messages (no query string, no credentials). */
export function describeTarget(method: string, url: string): string {
  try {
    const u = new URL(url);
    return `${method} ${u.origin}${u.pathname}`;
  } catch {
    return `${method} (invalid URL)`;
  }
}

/**
 * Maps whatever a transport caught (undici, `fetch`, Node socket errors, its own stop reasons)
 * to a `ParleyError` of code `NETWORK`, `TIMEOUT` or `ABORTED`; a `ParleyError` passes through.
 * Walks the `cause` chain (`fetch` wraps errors as `TypeError: fetch failed`) and the `errors` of an
 * `AggregateError`. Messages name the method, origin and path only, never headers, body or query.
 *
 * @example
 * toTransportError(err, { method: 'POST', url, phase: 'dispatched', stoppedBy: 'timeout', timeoutMs: 5000 });
 */
export function toTransportError(error: unknown, context: TransportErrorContext): ParleyError {
  const target = describeTarget(context.method, context.url);
  const sent: Delivery = context.phase === 'not_dispatched' ? 'not_sent' : 'unknown';
  if (context.stoppedBy === 'caller') return abortedError(sent, error);
  if (context.stoppedBy === 'timeout') {
    const limit = context.timeoutMs === undefined ? '' : ` (limit ${context.timeoutMs} ms)`;
    return timeoutError(`waiting for ${target}${limit}`, sent, error);
  }
  if (isParleyError(error)) return error;
  for (const node of causeChain(error)) {
    const code = typeof node.code === 'string' ? node.code : undefined;
    if (code === undefined) {
      if (node.name === 'AbortError') return abortedError(sent, error);
      continue;
    }
    const refused = NOT_SENT[code];
    if (refused !== undefined) return networkError(`${refused} (${target})`, 'not_sent', error);
    const invalid = INVALID[code];
    if (invalid !== undefined) {
      return networkError(`${invalid} (${target})`, 'not_sent', error).with({ retryable: false });
    }
    const broken = BROKEN[code];
    if (broken !== undefined) return networkError(`${broken} (${target})`, sent, error);
    const timeout = TIMEOUTS[code];
    if (timeout !== undefined) {
      return timeoutError(`${timeout.what} (${target})`, sent === 'not_sent' ? sent : timeout.delivery, error);
    }
    if (ABORTS.has(code)) return abortedError(sent, error);
  }
  const code = firstCode(error);
  return networkError(`request failed${code ? ` with ${code}` : ''} (${target})`, sent, error);
}

/** `PROTOCOL`: the response body is larger than the transport reads. */
export function bodyTooLargeError(maxBytes: number, status: number, method: string, url: string): ParleyError {
  return protocolError(`response body exceeds ${maxBytes} bytes (${describeTarget(method, url)})`, { status });
}

/** The last URL found to be a valid http(s) URL: a transport sends to the same few URLs over and over. */
let lastGoodUrl: string | undefined;

/** A failure known before anything is dispatched: the transport is closed, the URL is bad, the signal fired. */
export function preflightError(request: TransportRequest, closed: boolean): ParleyError | undefined {
  if (closed) return abortedError('not_sent');
  if (request.signal?.aborted) return abortedError('not_sent', request.signal.reason);
  if (request.url === lastGoodUrl) return undefined;
  const url = URL.canParse(request.url) ? new URL(request.url) : undefined;
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
    return networkError('the request URL is not a valid http(s) URL', 'not_sent').with({ retryable: false });
  }
  lastGoodUrl = request.url;
  return undefined;
}

/**
 * What undici also accepts as a request's `signal`: an `EventEmitter`-shaped abort handle
 * (`aborted`, `reason`, `on`/`once`/`removeListener('abort')`). Far cheaper per request than an
 * `AbortController` and the `EventTarget` listeners an `AbortSignal` needs.
 */
export interface AbortHandle {
  readonly aborted: boolean;
  readonly reason: unknown;
  on(event: 'abort', listener: () => void): this;
  once(event: 'abort', listener: () => void): this;
  removeListener(event: 'abort', listener: () => void): this;
}

/** The transport's own signal for one request: the caller's signal and a whole-request time limit in one. */
export interface RequestWatch {
  /** Fires on the time limit or on the caller's signal, whichever comes first (made on first use). */
  readonly signal: AbortSignal;
  /** The same, as an {@link AbortHandle} (for undici). */
  readonly handle: AbortHandle;
  /** Why `signal` fired; `undefined` while it has not. */
  readonly stoppedBy: StopReason | undefined;
  /** Settles like `work`, or rejects as soon as `signal` fires (undici waits for a pending connect otherwise). */
  guard<T>(work: Promise<T>): Promise<T>;
  /** Clears the timer and the listener on the caller's signal. Call it once the request settles. */
  dispose(): void;
}

/** `setTimeout` cannot wait longer than this (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Combines the caller's `signal` with a time limit of `timeoutMs` (none when it is not a positive
 * finite number) and remembers which of them fired.
 */
export function watchRequest(callerSignal: AbortSignal | undefined, timeoutMs: number): RequestWatch {
  return new Watch(callerSignal, timeoutMs);
}

class Watch implements RequestWatch, AbortHandle {
  stoppedBy: StopReason | undefined;
  reason: unknown;
  readonly #callerSignal: AbortSignal | undefined;
  readonly #timer: NodeJS.Timeout | undefined;
  #controller: AbortController | undefined;
  /** Listeners of the handle, in the order they were added (undici adds one). */
  #listeners: (() => void)[] | undefined;
  /** Rejects the promise `guard` returned, while it is pending. */
  #rejectGuard: ((reason: unknown) => void) | undefined;
  readonly #onCallerAbort = (): void => this.#stop('caller', this.#callerSignal?.reason);

  constructor(callerSignal: AbortSignal | undefined, timeoutMs: number) {
    this.#callerSignal = callerSignal;
    this.#timer =
      Number.isFinite(timeoutMs) && timeoutMs > 0
        ? setTimeout(
            () => this.#stop('timeout', new DOMException(`Timed out after ${timeoutMs} ms`, 'TimeoutError')),
            Math.min(timeoutMs, MAX_TIMER_MS),
          )
        : undefined;
    if (callerSignal?.aborted) this.#onCallerAbort();
    else callerSignal?.addEventListener('abort', this.#onCallerAbort, { once: true });
  }

  get aborted(): boolean {
    return this.stoppedBy !== undefined;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.stoppedBy !== undefined) this.#controller.abort(this.reason);
    }
    return this.#controller.signal;
  }

  get handle(): AbortHandle {
    return this;
  }

  on(_event: 'abort', listener: () => void): this {
    if (this.#listeners === undefined) this.#listeners = [listener];
    else this.#listeners.push(listener);
    return this;
  }

  once(event: 'abort', listener: () => void): this {
    // The handle fires at most once, so every listener is a once-listener.
    return this.on(event, listener);
  }

  removeListener(_event: 'abort', listener: () => void): this {
    const at = this.#listeners?.lastIndexOf(listener) ?? -1;
    if (at >= 0) this.#listeners?.splice(at, 1);
    return this;
  }

  #stop(by: StopReason, reason: unknown): void {
    if (this.stoppedBy !== undefined) return;
    this.stoppedBy = by;
    this.reason = reason;
    this.#controller?.abort(reason);
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (listeners) for (const listener of listeners) listener();
    this.#rejectGuard?.(reason);
  }

  guard<T>(work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.stoppedBy !== undefined) reject(this.reason);
      else this.#rejectGuard = reject;
      // Two callbacks rather than `.then().finally()`: this runs per request, and `finally` costs three promises.
      work.then(
        (value) => {
          this.#rejectGuard = undefined;
          resolve(value);
        },
        (error: unknown) => {
          this.#rejectGuard = undefined;
          reject(error);
        },
      );
    });
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#callerSignal?.removeEventListener('abort', this.#onCallerAbort);
  }
}

/** The objects of an error's `cause` chain and `AggregateError.errors`, breadth first, the error first. */
function* causeChain(error: unknown): Generator<{ readonly code?: unknown; readonly name?: unknown }> {
  const queue: unknown[] = [error];
  const seen = new Set<unknown>();
  while (queue.length > 0 && seen.size < 16) {
    const node = queue.shift();
    if (typeof node !== 'object' || node === null || seen.has(node)) continue;
    seen.add(node);
    yield node;
    const { cause, errors } = node as { cause?: unknown; errors?: unknown };
    queue.push(cause);
    if (Array.isArray(errors)) queue.push(...errors);
  }
}

function firstCode(error: unknown): string | undefined {
  for (const node of causeChain(error)) {
    if (typeof node.code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(node.code)) return node.code;
  }
  return undefined;
}

/**
 * Runs one dispatched request under its time limit and the caller's signal, and maps whatever
 * it throws to a transport `ParleyError`: the shell both transports share.
 *
 * @example
 * return watched(request, limit, (watch) => send(request, watch.signal));
 */
export async function watched<T>(
  request: TransportRequest,
  timeoutMs: number,
  run: (watch: RequestWatch) => Promise<T>,
): Promise<T> {
  const watch = watchRequest(request.signal, timeoutMs);
  try {
    return await watch.guard(run(watch));
  } catch (error) {
    const { method, url } = request;
    throw toTransportError(error, { method, url, phase: 'dispatched', stoppedBy: watch.stoppedBy, timeoutMs });
  } finally {
    watch.dispose();
  }
}
