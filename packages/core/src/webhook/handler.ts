import type { IncomingMessage, ServerResponse } from 'node:http';
import { configError, webhookError } from '../errors/factories.js';
import type { Issue, ParleyError } from '../errors/index.js';
import { isParleyError } from '../errors/index.js';
import type { CallbackStatus } from '../status.js';
import { signedUrlAuthenticator, type WebhookAuth, type WebhookAuthenticator, type WebhookCall } from './auth.js';
import type { BodyLimits } from './body.js';
import { callbackFields, DEFAULT_BODY_LIMITS, readFetchBody, readNodeBody } from './body.js';
import type { WebhookEvent } from './events.js';
import { hintOf, nodeToRequest, writeResponse } from './node.js';
import type { WebhookHandler } from './types.js';

/** What a driver's event parser is given: the call, its raw body, and the merged fields on demand. */
export interface WebhookParseInput {
  readonly call: WebhookCall;
  readonly body: Uint8Array;
  readonly contentType: string | undefined;
  /** The query's and body's fields merged (JSON object or form), as `parse` gets them. */
  fields(): Record<string, unknown>;
}

/** What {@link createWebhookHandler} needs. */
export interface WebhookHandlerOptions {
  /** The secret that signed the callback URLs (`webhookSecret`); short for `authenticator: signedUrlAuthenticator(secret)`. */
  readonly secret?: string;
  /** How calls are authenticated, where not by signed callback URLs (see `WebhookAuthenticator`). */
  readonly authenticator?: WebhookAuthenticator;
  /** Reads a callback's merged fields (query string and body) into one status. Throw to answer 400. */
  readonly parse?: (fields: Record<string, unknown>) => CallbackStatus;
  /** Reads a call into any number of events (statuses, inbound messages). Throw to answer 400. */
  readonly parseEvents?: (input: WebhookParseInput) => readonly WebhookEvent[];
  /** Takes an authenticated status of a known message; answered 200 once it settles, 500 if it throws. */
  readonly onStatus?: (id: string, status: CallbackStatus) => void | Promise<void>;
  /** Takes every event of an authenticated call (instead of `onStatus`); 500 if it throws. */
  readonly onEvent?: (event: WebhookEvent, auth: WebhookAuth) => void | Promise<void>;
  /** Hears about every call answered with an error status. */
  readonly onError?: (error: ParleyError) => void;
  /** Largest body accepted (bytes). Default 65 536. */
  readonly maxBodyBytes?: number;
  /** Longest wait for a whole body (ms). Default 10 000. */
  readonly bodyTimeoutMs?: number;
  /** Provider name put on reported errors. */
  readonly provider?: string;
}

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly contentType: string;
  readonly headers?: Readonly<Record<string, string>>;
}

const ERRORS: Readonly<Record<number, string>> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  405: 'method_not_allowed',
  408: 'request_timeout',
  413: 'payload_too_large',
  500: 'internal_error',
};
const JSON_TYPE = 'application/json; charset=utf-8';
const json = (status: number, body: unknown, headers?: Record<string, string>): Answer => ({
  status,
  body: JSON.stringify(body),
  contentType: JSON_TYPE,
  ...(headers ? { headers } : {}),
});
const OK = json(200, { ok: true });
const INTERNAL = json(500, { error: ERRORS[500] });

/** Where a consumed body can be found, and how to mount the webhook so that it is. */
const CONSUMED_FIX =
  'the request body was already read by a framework or middleware, and Parley found it neither on req.body nor on req.rawBody. ' +
  'Mount messenger.webhook before any body parser, or keep the bytes where Parley looks: Express express.raw({ type: "*/*" }) ' +
  '(or any express.json/urlencoded/text), Fastify fastifyWebhook(messenger.webhook), Koa @koa/bodyparser with patchNode: true, ' +
  'Fetch frameworks messenger.webhook(request) with the untouched Request (Hono c.req.raw)';
const RAW_FIX =
  'the request body was parsed by a framework and its exact bytes are gone, so the body signature cannot be checked. ' +
  'Give Parley the raw bytes: Express express.raw({ type: "*/*" }) on this route (or express.json({ verify: (req, _res, buf) => { req.rawBody = buf } })), ' +
  'Fastify fastifyWebhook(messenger.webhook), Koa without a body parser on this route';

function checkOptions(options: WebhookHandlerOptions): { limits: BodyLimits; authenticator: WebhookAuthenticator } {
  const issues: Issue[] = [];
  const positive = (value: number | undefined): boolean => value === undefined || (value > 0 && Number.isFinite(value));
  if (options.authenticator === undefined && (typeof options.secret !== 'string' || options.secret === '')) {
    issues.push({ path: 'secret', message: 'must be a non-empty string' });
  }
  if (options.parse === undefined && options.parseEvents === undefined) {
    issues.push({ path: 'parse', message: 'parse or parseEvents is required' });
  }
  if (options.onStatus === undefined && options.onEvent === undefined) {
    issues.push({ path: 'onStatus', message: 'onStatus or onEvent is required' });
  }
  if (!positive(options.maxBodyBytes)) issues.push({ path: 'maxBodyBytes', message: 'must be a positive number' });
  if (!positive(options.bodyTimeoutMs)) issues.push({ path: 'bodyTimeoutMs', message: 'must be a positive number' });
  if (issues.length > 0) throw configError(issues, options.provider);
  return {
    limits: {
      maxBodyBytes: options.maxBodyBytes ?? DEFAULT_BODY_LIMITS.maxBodyBytes,
      bodyTimeoutMs: options.bodyTimeoutMs ?? DEFAULT_BODY_LIMITS.bodyTimeoutMs,
    },
    authenticator: options.authenticator ?? signedUrlAuthenticator(options.secret as string),
  };
}

function safeUrl(raw: string): URL {
  try {
    return new URL(raw);
  } catch {
    return new URL('http://localhost/');
  }
}

/** The body of a call: the bytes a Node framework left (see `node.ts`) or the Fetch request's stream. */
async function bodyOf(request: Request, limits: BodyLimits): Promise<{ bytes: Uint8Array; exact: boolean }> {
  const hint = hintOf(request);
  if (hint?.kind === 'parsed') {
    if (hint.bytes.byteLength > limits.maxBodyBytes) {
      throw webhookError({ code: 'PROTOCOL', status: 413, detail: `body larger than ${limits.maxBodyBytes} bytes` });
    }
    return { bytes: hint.bytes, exact: hint.exact };
  }
  if (hint?.kind === 'stream') return { bytes: await readNodeBody(hint.req, limits), exact: true };
  if (hint?.kind === 'consumed' || request.bodyUsed) {
    throw webhookError({ code: 'CONFIG', status: 500, detail: CONSUMED_FIX });
  }
  return { bytes: await readFetchBody(request, limits), exact: true };
}

/**
 * The one implementation of the webhook, in the Fetch form: method, handshake, credential, body,
 * parse, events. Never rejects.
 */
function fetchCore(options: WebhookHandlerOptions): (request: Request) => Promise<Response> {
  const { limits, authenticator } = checkOptions(options);
  const provider = options.provider ? { provider: options.provider } : {};
  const refuse = (error: ParleyError, status: number, headers?: Record<string, string>): Answer => {
    try {
      const pending: unknown = options.onError?.(options.provider ? error.with(provider) : error);
      if (pending instanceof Promise) pending.catch(() => {});
    } catch {
      // a failing onError must not change the answer
    }
    return json(status, { error: ERRORS[status] ?? 'error' }, headers);
  };
  const wrap = (error: unknown, status: number, detail: string): ParleyError =>
    isParleyError(error) ? error : webhookError({ code: 'PROTOCOL', status, detail, cause: error, ...provider });
  const unauthorized = (detail: string): Answer =>
    refuse(webhookError({ code: 'AUTH', status: 401, detail, ...provider }), 401);

  const handle = async (request: Request): Promise<Answer> => {
    const method = request.method.toUpperCase();
    if (method !== 'GET' && method !== 'POST') {
      const error = webhookError({
        code: 'PROTOCOL',
        status: 405,
        detail: `method ${method} not allowed`,
        ...provider,
      });
      return refuse(error, 405, { allow: 'GET, POST' });
    }
    const call: WebhookCall = { method, url: safeUrl(request.url), headers: request.headers };
    const shake = authenticator.handshake?.(call);
    if (shake !== undefined) {
      if (shake.status >= 400) {
        const error = webhookError({ code: 'AUTH', status: shake.status, detail: 'handshake refused', ...provider });
        refuse(error, shake.status);
      }
      return { status: shake.status, body: shake.body, contentType: shake.contentType ?? 'text/plain; charset=utf-8' };
    }
    let auth: WebhookAuth | undefined;
    if (!authenticator.needsBody) {
      auth = authenticator.check(call, undefined);
      if (auth === undefined) return unauthorized('missing or invalid callback signature');
    }
    let body: { bytes: Uint8Array; exact: boolean };
    try {
      body = await bodyOf(request, limits);
    } catch (error) {
      const rejected = wrap(error, 400, 'body could not be read');
      return refuse(rejected, rejected.httpStatus ?? 400);
    }
    if (auth === undefined) {
      if (!body.exact) return refuse(webhookError({ code: 'CONFIG', status: 500, detail: RAW_FIX, ...provider }), 500);
      auth = authenticator.check(call, body.bytes);
      if (auth === undefined) return unauthorized('missing or invalid body signature');
    }
    const contentType = hintOf(request)?.contentType ?? request.headers.get('content-type') ?? undefined;
    let events: readonly WebhookEvent[];
    try {
      const fields = () => callbackFields(body.bytes, contentType, call.url.searchParams);
      if (options.parseEvents) {
        events = options.parseEvents({ call, body: body.bytes, contentType, fields });
      } else {
        const parse = options.parse as (fields: Record<string, unknown>) => CallbackStatus;
        events = [{ kind: 'status', status: parse(fields()) }];
      }
    } catch (error) {
      const rejected = wrap(error, 400, 'callback payload could not be parsed');
      return refuse(rejected, rejected.httpStatus === 500 ? 500 : 400);
    }
    try {
      for (const event of events) {
        if (options.onEvent) {
          await options.onEvent(event, auth);
        } else if (event.kind === 'status') {
          const id = auth.id ?? event.id;
          if (id !== undefined) await options.onStatus?.(id, event.status);
        }
      }
    } catch (error) {
      return refuse(wrap(error, 500, 'the status handler failed'), 500);
    }
    return OK;
  };

  return async (request) => {
    let answer: Answer;
    try {
      answer = await handle(request);
    } catch {
      answer = INTERNAL;
    }
    return new Response(answer.body, {
      status: answer.status,
      headers: { 'content-type': answer.contentType, ...answer.headers },
    });
  };
}

function isFetchRequest(value: unknown): value is Request {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { url?: unknown; headers?: { get?: unknown } };
  return typeof v.url === 'string' && typeof v.headers?.get === 'function' && !('socket' in v);
}

/**
 * The webhook that takes provider calls. Its one implementation is the Fetch form
 * `(request) => Promise<Response>`; the Node form `(req, res)` is a thin adapter that turns the
 * request into a Fetch `Request` (its stream, or the body a framework already read from
 * `req.rawBody` or `req.body`: object, string or Buffer) and writes the `Response` back.
 *
 * It answers 405 to methods other than GET and POST; a driver's handshake (Meta's GET
 * verification) as the driver says; 401 to a call whose credential does not check out (a signed
 * URL before the body is read; a body signature before it is parsed); 413/408/400 to a body too
 * large, too slow or unreadable; 500 when a framework consumed the body and Parley cannot find it
 * (the error names the fix); 400 where parsing throws, 500 where handling a status throws, and
 * 200 `{"ok":true}` otherwise. Every error answer is reported to `onError`. The Node form never
 * throws and always ends the response.
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
  const serve = fetchCore(options);
  function webhook(input: IncomingMessage | Request, res?: ServerResponse): undefined | Promise<Response> {
    if (isFetchRequest(input)) return serve(input);
    if (res === undefined) return undefined;
    const req = input as IncomingMessage;
    let request: Request;
    try {
      request = nodeToRequest(req);
    } catch {
      writeResponse(req, res, new Response(INTERNAL.body, { status: 500, headers: { 'content-type': JSON_TYPE } }));
      return undefined;
    }
    serve(request)
      .then(
        (response) => writeResponse(req, res, response),
        () => writeResponse(req, res, new Response(INTERNAL.body, { status: 500 })),
      )
      .catch(() => {});
    return undefined;
  }
  return webhook as WebhookHandler;
}
