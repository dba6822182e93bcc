import type { IncomingMessage, ServerResponse } from 'node:http';
import { configError, webhookError } from '../errors/factories.js';
import type { Issue, ParleyError } from '../errors/index.js';
import { isParleyError } from '../errors/index.js';
import type { CallbackStatus } from '../provider.js';
import type { BodyLimits } from './body.js';
import { callbackFields, DEFAULT_BODY_LIMITS, preParsedBody, readFetchBody, readNodeBody } from './body.js';
import { verifyCallback } from './sign.js';
import type { WebhookHandler } from './types.js';

/** What {@link createWebhookHandler} needs. */
export interface WebhookHandlerOptions {
  /** The secret that signed the callback URLs (`webhookSecret`). */
  readonly secret: string;
  /** Reads a callback's merged fields (query string and body). Throw to answer 400. */
  readonly parse: (fields: Record<string, unknown>) => CallbackStatus;
  /** Takes an authenticated status; answered 200 once it settles, 500 if it throws. */
  readonly onStatus: (id: string, status: CallbackStatus) => void | Promise<void>;
  /** Hears about every call answered with an error status. */
  readonly onError?: (error: ParleyError) => void;
  /** Largest body accepted (bytes). Default 65 536. */
  readonly maxBodyBytes?: number;
  /** Longest wait for a whole body (ms). Default 10 000. */
  readonly bodyTimeoutMs?: number;
  /** Provider name put on reported errors. */
  readonly provider?: string;
}

/** One call, whichever form it came in. */
interface Call {
  readonly method: string;
  readonly query: URLSearchParams;
  readonly contentType: string | undefined;
  readBody(): Promise<Uint8Array>;
}

interface Answer {
  readonly status: number;
  readonly body: Readonly<Record<string, unknown>>;
  readonly headers?: Readonly<Record<string, string>>;
}

const ERRORS: Readonly<Record<number, string>> = {
  400: 'bad_request',
  401: 'unauthorized',
  405: 'method_not_allowed',
  408: 'request_timeout',
  413: 'payload_too_large',
  500: 'internal_error',
};
const OK: Answer = { status: 200, body: { ok: true } };
const INTERNAL: Answer = { status: 500, body: { error: ERRORS[500] } };

function queryOf(url: string): URLSearchParams {
  const at = url.indexOf('?');
  return new URLSearchParams(at === -1 ? '' : url.slice(at + 1));
}

function checkOptions(options: WebhookHandlerOptions): BodyLimits {
  const issues: Issue[] = [];
  const positive = (value: number | undefined): boolean => value === undefined || (value > 0 && Number.isFinite(value));
  if (typeof options.secret !== 'string' || options.secret === '') {
    issues.push({ path: 'secret', message: 'must be a non-empty string' });
  }
  if (!positive(options.maxBodyBytes)) issues.push({ path: 'maxBodyBytes', message: 'must be a positive number' });
  if (!positive(options.bodyTimeoutMs)) issues.push({ path: 'bodyTimeoutMs', message: 'must be a positive number' });
  if (issues.length > 0) throw configError(issues, options.provider);
  return {
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_BODY_LIMITS.maxBodyBytes,
    bodyTimeoutMs: options.bodyTimeoutMs ?? DEFAULT_BODY_LIMITS.bodyTimeoutMs,
  };
}

/** The flow shared by both forms: method, credential, body, parse, `onStatus`. Never rejects. */
function answerer(options: WebhookHandlerOptions): (call: Call) => Promise<Answer> {
  const provider = options.provider ? { provider: options.provider } : {};
  const refuse = (error: ParleyError, status: number, headers?: Record<string, string>): Answer => {
    try {
      const pending: unknown = options.onError?.(error);
      if (pending instanceof Promise) pending.catch(() => {});
    } catch {
      // a failing onError must not change the answer
    }
    return { status, body: { error: ERRORS[status] ?? 'error' }, ...(headers ? { headers } : {}) };
  };
  const wrap = (error: unknown, status: number, detail: string): ParleyError =>
    isParleyError(error) ? error : webhookError({ code: 'PROTOCOL', status, detail, cause: error, ...provider });

  return async (call) => {
    if (call.method !== 'GET' && call.method !== 'POST') {
      const error = webhookError({
        code: 'PROTOCOL',
        status: 405,
        detail: `method ${call.method} not allowed`,
        ...provider,
      });
      return refuse(error, 405, { allow: 'GET, POST' });
    }
    const id = verifyCallback(call.query, options.secret);
    if (id === undefined) {
      return refuse(
        webhookError({ code: 'AUTH', status: 401, detail: 'missing or invalid callback signature', ...provider }),
        401,
      );
    }
    let fields: Record<string, unknown>;
    try {
      fields = callbackFields(await call.readBody(), call.contentType, call.query);
    } catch (error) {
      const rejected = wrap(error, 400, 'body could not be read');
      return refuse(options.provider ? rejected.with(provider) : rejected, rejected.httpStatus ?? 400);
    }
    let status: CallbackStatus;
    try {
      status = options.parse(fields);
    } catch (error) {
      return refuse(wrap(error, 400, 'callback payload could not be parsed'), 400);
    }
    try {
      await options.onStatus(id, status);
    } catch (error) {
      return refuse(wrap(error, 500, 'the status handler failed'), 500);
    }
    return OK;
  };
}

function writeNode(req: IncomingMessage, res: ServerResponse, answer: Answer): void {
  try {
    if (res.destroyed || res.writableEnded) return;
    if (res.headersSent) {
      res.end();
      return;
    }
    const body = JSON.stringify(answer.body);
    res.statusCode = answer.status;
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.setHeader('content-length', Buffer.byteLength(body));
    for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
    if (!req.complete) {
      // the rest of the body is not wanted: answer, then drop the connection instead of draining it
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
    try {
      res.destroy();
    } catch {
      // nothing more can be done for this response
    }
  }
}

function serveNode(
  answer: (call: Call) => Promise<Answer>,
  limits: BodyLimits,
  req: IncomingMessage,
  res: ServerResponse,
) {
  try {
    const parsed = preParsedOrError(req, limits);
    const call: Call = {
      method: req.method ?? 'GET',
      query: queryOf(req.url ?? ''),
      contentType: parsed ? parsed.contentType : req.headers['content-type'],
      readBody: parsed ? parsed.read : () => readNodeBody(req, limits),
    };
    answer(call)
      .then(
        (a) => writeNode(req, res, a),
        () => writeNode(req, res, INTERNAL),
      )
      .catch(() => {});
  } catch {
    writeNode(req, res, INTERNAL);
  }
}

/** A body some middleware already consumed; an oversize one fails when it is read, as a streamed one would. */
function preParsedOrError(
  req: IncomingMessage,
  limits: BodyLimits,
): { contentType: string | undefined; read: () => Promise<Uint8Array> } | undefined {
  try {
    const body = preParsedBody(req, limits);
    return body && { contentType: body.contentType, read: async () => body.bytes };
  } catch (error) {
    return { contentType: req.headers['content-type'], read: () => Promise.reject(error) };
  }
}

async function serveFetch(
  answer: (call: Call) => Promise<Answer>,
  limits: BodyLimits,
  request: Request,
): Promise<Response> {
  let result: Answer;
  try {
    result = await answer({
      method: request.method,
      query: queryOf(request.url),
      contentType: request.headers.get('content-type') ?? undefined,
      readBody: () => readFetchBody(request, limits),
    });
  } catch {
    result = INTERNAL;
  }
  return new Response(JSON.stringify(result.body), {
    status: result.status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...result.headers },
  });
}

function isFetchRequest(value: unknown): value is Request {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { url?: unknown; headers?: { get?: unknown } };
  return typeof v.url === 'string' && typeof v.headers?.get === 'function' && !('socket' in v);
}

/**
 * The webhook that takes provider callbacks on the URLs made by `signCallbackUrl`. Usable as a
 * Node `(req, res)` listener and as a Fetch `(request) => Promise<Response>` handler. It answers
 * 405 to methods other than GET and POST, 401 to a call without a valid `parley_id`/`parley_sig`
 * (before reading the body), 413/408/400 to a body too large, too slow or unreadable, 400 where
 * `parse` throws, 500 where `onStatus` throws, and 200 `{"ok":true}` otherwise. Every error
 * answer is reported to `onError`. The Node form never throws and always ends the response.
 *
 * @example
 * const webhook = createWebhookHandler({
 *   secret: process.env.WEBHOOK_SECRET!,
 *   parse: (fields) => driver.parseCallback!(fields),
 *   onStatus: (id, status) => tracker.update(id, status),
 * });
 * http.createServer(webhook).listen(8080);            // Node
 * export const POST = (request: Request) => webhook(request); // Fetch
 */
export function createWebhookHandler(options: WebhookHandlerOptions): WebhookHandler {
  const limits = checkOptions(options);
  const answer = answerer(options);
  function webhook(input: IncomingMessage | Request, res?: ServerResponse): undefined | Promise<Response> {
    if (isFetchRequest(input)) return serveFetch(answer, limits, input);
    if (res !== undefined) serveNode(answer, limits, input as IncomingMessage, res);
    return undefined;
  }
  return webhook as WebhookHandler;
}
