import type { Agent, Dispatcher } from 'undici';
import { abortedError } from '../errors/factories.js';
import { type AbortHandle, bodyTooLargeError, preflightError, toTransportError, watched } from './errors.js';
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

type Undici = typeof import('undici');
type AgentClass = Undici['Agent'];
let undici: Undici | undefined;
let loadingUndici: Promise<Undici> | undefined;
let agentClass: AgentClass | undefined;
let loadingAgent: Promise<AgentClass> | undefined;

/**
 * undici is loaded by the first request, not when Parley is imported: it is most of the time
 * that importing Parley and creating a messenger takes. The whole of it is needed only for a
 * dispatcher we were given (it goes through `undici.request`).
 */
function loadUndici(): Promise<Undici> {
  loadingUndici ??= import('undici').then((loaded) => {
    undici = loaded;
    return loaded;
  });
  return loadingUndici;
}

/**
 * undici's `Agent`, for the transport's own connection pool. It is loaded from undici's own files
 * without the rest of the package (fetch, WebSocket, caches, mocks, proxies: 111 modules where
 * the Agent and its request API take 32, a third of a cold send), doing for them what undici's
 * entry does (`Object.assign(Dispatcher.prototype, api)`), so the objects and their behaviour are
 * undici's own. Where a copy of undici is laid out otherwise, the whole package is loaded instead.
 */
function loadAgent(): Promise<AgentClass> {
  loadingAgent ??= loadAgentAlone()
    .catch(() => loadUndici().then((loaded) => loaded.Agent))
    .then((loaded) => {
      agentClass = loaded;
      return loaded;
    });
  return loadingAgent;
}

async function loadAgentAlone(): Promise<AgentClass> {
  const [agent, dispatcher, api] = await Promise.all([
    import('undici/lib/dispatcher/agent.js'),
    import('undici/lib/dispatcher/dispatcher.js'),
    import('undici/lib/api/index.js'),
  ]);
  const Agent: unknown = agent.default;
  const Dispatcher: unknown = dispatcher.default;
  const methods: unknown = api.default;
  if (
    typeof Agent !== 'function' ||
    typeof Dispatcher !== 'function' ||
    !(Agent.prototype instanceof Dispatcher) ||
    typeof (methods as { request?: unknown } | null)?.request !== 'function'
  ) {
    throw new Error('undici is not laid out as expected');
  }
  Object.assign(Dispatcher.prototype, methods);
  return Agent as AgentClass;
}

/** The Agent class the transport's own pool uses once loaded (for tests). */
export function undiciAgentClass(): Promise<AgentClass> {
  return loadAgent();
}

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
  let own: Agent | undefined;
  const ownAgent = (Loaded: AgentClass): Agent => {
    own ??= new Loaded({
      connect: { timeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS },
      headersTimeout: undiciTimeout(timeoutMs),
      bodyTimeout: undiciTimeout(timeoutMs),
      keepAliveTimeout: 4_000,
      keepAliveMaxTimeout: 60_000,
      pipelining: 1,
    });
    return own;
  };
  let closed = false;
  let closing: Promise<void> | undefined;
  /** Set while a request of this transport waits for undici to load, so that `close` waits for it. */
  let loading: Promise<unknown> | undefined;

  return {
    async request(request) {
      const early = preflightError(request, closed);
      if (early) throw early;
      const given = options.dispatcher;
      let loadedRequest: Undici['request'] | undefined;
      let dispatcher: Dispatcher;
      if (given === undefined) {
        let Loaded = agentClass;
        if (Loaded === undefined) {
          const pending = loadAgent();
          loading = pending;
          try {
            Loaded = await pending;
          } catch (error) {
            const { method, url } = request;
            throw toTransportError(error, { method, url, phase: 'not_dispatched' });
          }
          if (request.signal?.aborted) throw abortedError('not_sent', request.signal.reason);
        }
        dispatcher = ownAgent(Loaded);
      } else {
        let loaded = undici;
        if (loaded === undefined) {
          const pending = loadUndici();
          loading = pending;
          try {
            loaded = await pending;
          } catch (error) {
            const { method, url } = request;
            throw toTransportError(error, { method, url, phase: 'not_dispatched' });
          }
          if (request.signal?.aborted) throw abortedError('not_sent', request.signal.reason);
        }
        loadedRequest = loaded.request;
        dispatcher = given;
      }
      const limit = request.timeoutMs ?? timeoutMs;
      return watched(request, limit, (watch) =>
        send(loadedRequest, dispatcher, request, watch.handle, limit, maxResponseBytes),
      );
    },
    close() {
      closed = true;
      // A request that was waiting for undici to load is let through, as one already sent would be.
      closing ??= (loading ?? Promise.resolve()).then(
        () => own?.close(),
        () => own?.close(),
      );
      return closing;
    },
  };
}

async function send(
  /** `undici.request`, for a dispatcher we were given; `undefined` for our own Agent. */
  undiciRequest: Undici['request'] | undefined,
  dispatcher: Dispatcher,
  request: TransportRequest,
  signal: AbortHandle,
  timeoutMs: number,
  maxBytes: number,
): Promise<TransportResponse> {
  // Backstops under the whole-request limit; also lifts the agent's defaults for a longer request limit.
  const limit = undiciTimeout(timeoutMs);
  // Our own Agent takes the request straight, with the URL's origin and path computed once per
  // URL: what `undici.request(url, { dispatcher })` does before it calls `dispatcher.request`.
  // A dispatcher we were given (perhaps from another copy of undici) goes the documented way.
  // One object literal each (no spread): this runs per request.
  let res: Dispatcher.ResponseData;
  if (undiciRequest === undefined) {
    const target = targetOf(request.url);
    res = await dispatcher.request({
      origin: target.origin,
      path: target.path,
      method: request.method,
      headers: request.headers,
      body: request.body ?? null,
      // undici takes an EventEmitter-shaped signal as well as an AbortSignal.
      signal: signal as unknown as AbortSignal,
      headersTimeout: limit,
      bodyTimeout: limit,
    });
  } else {
    res = await undiciRequest(request.url, {
      dispatcher,
      method: request.method,
      headers: request.headers,
      body: request.body ?? null,
      signal: signal as unknown as AbortSignal,
      headersTimeout: limit,
      bodyTimeout: limit,
    });
  }
  const declared = Number(res.headers['content-length']);
  if (declared > maxBytes) {
    dropBody(res.body);
    throw bodyTooLargeError(maxBytes, res.statusCode, request.method, request.url);
  }
  const body = await readText(res.body, maxBytes, res.statusCode, request);
  return { status: res.statusCode, headers: flattenHeaders(res.headers), body };
}

const EMPTY = Buffer.alloc(0);

/**
 * The whole body as text, failing with `PROTOCOL` past `maxBytes`. Plain stream listeners rather
 * than `for await`: an async iterator costs several promises per chunk, and this runs per request.
 * It fails as `for await` would: with the stream's error, or `ERR_STREAM_PREMATURE_CLOSE` when the
 * stream closes before its end.
 */
function readText(
  stream: Dispatcher.ResponseData['body'],
  maxBytes: number,
  status: number,
  request: TransportRequest,
): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let size = 0;
    let first: Buffer | undefined;
    let chunks: Buffer[] | undefined;
    // The listeners stay on: once settled they do nothing (and an error listener stays there).
    let settled = false;
    const settle = (): void => {
      settled = true;
    };
    const onData = (chunk: Buffer): void => {
      if (settled) return;
      size += chunk.byteLength;
      if (size > maxBytes) {
        settle();
        dropBody(stream);
        reject(bodyTooLargeError(maxBytes, status, request.method, request.url));
        return;
      }
      if (first === undefined) first = chunk;
      else if (chunks === undefined) chunks = [first, chunk];
      else chunks.push(chunk);
    };
    const onEnd = (): void => {
      if (settled) return;
      settle();
      // Decoding the bytes at once gives the same text as decoding them chunk by chunk in stream mode.
      resolve(DECODER.decode(chunks !== undefined ? Buffer.concat(chunks, size) : (first ?? EMPTY)));
    };
    const onError = (error: unknown): void => {
      if (settled) return;
      settle();
      reject(error);
    };
    const onClose = (): void => {
      if (settled) return;
      settle();
      reject(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}

/** Stateless between calls (never used in stream mode), so one serves every response. */
const DECODER = new TextDecoder();

/** `origin` and `path` (with the query) of a URL, as undici computes them; remembered per URL. */
const targets = new Map<string, { readonly origin: string; readonly path: string }>();
const MAX_TARGETS = 256;

function targetOf(url: string): { readonly origin: string; readonly path: string } {
  let target = targets.get(url);
  if (target === undefined) {
    const parsed = new URL(url);
    target = { origin: parsed.origin, path: parsed.search ? `${parsed.pathname}${parsed.search}` : parsed.pathname };
    if (targets.size >= MAX_TARGETS) targets.clear();
    targets.set(url, target);
  }
  return target;
}

/** Lower-cased names; repeated headers joined with `, `. */
function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    const key = name.toLowerCase();
    const text = Array.isArray(value) ? value.join(', ') : value;
    // An own property even for `__proto__`, as Object.fromEntries makes it.
    if (key === '__proto__')
      Object.defineProperty(flat, key, { value: text, enumerable: true, writable: true, configurable: true });
    else flat[key] = text;
  }
  return flat;
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
