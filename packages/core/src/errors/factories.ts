import { parseRetryAfter } from '../retry/policy.js';
import type { Delivery, ErrorCode, Issue } from './codes.js';
import { ParleyError } from './ParleyError.js';

function listIssues(issues: readonly Issue[]): string {
  // Messages usually name their field already ("to is too short"); prefix the path only where not.
  return issues
    .map((i) => (!i.path || i.message.startsWith(i.path) ? i.message : `${i.path}: ${i.message}`))
    .join('; ');
}

/** A bad configuration, naming every bad field. Never retryable. */
export function configError(issues: readonly Issue[], provider?: string): ParleyError {
  return new ParleyError({
    code: 'CONFIG',
    message: `Invalid ${provider ? `${provider} ` : ''}configuration: ${listIssues(issues)}`,
    issues,
    ...(provider ? { provider } : {}),
  });
}

/** A bad message, naming every bad field. Raised before any network call, so never sent. */
export function validationError(issues: readonly Issue[], provider?: string): ParleyError {
  return new ParleyError({
    code: 'VALIDATION',
    message: `Invalid message: ${listIssues(issues)}`,
    issues,
    delivery: 'not_sent',
    ...(provider ? { provider } : {}),
  });
}

/** Something the provider cannot do (a message type, a status call). Never sent. */
export function unsupportedError(what: string, provider: string): ParleyError {
  return new ParleyError({
    code: 'UNSUPPORTED',
    message: `${provider} does not support ${what}`,
    delivery: 'not_sent',
    provider,
  });
}

/** The caller's signal (or `close()`) stopped the operation. */
export function abortedError(delivery: Delivery, cause?: unknown): ParleyError {
  return new ParleyError({
    code: 'ABORTED',
    message:
      delivery === 'not_sent'
        ? 'The operation was aborted before the request was sent'
        : 'The operation was aborted after the request was sent; the provider may have accepted it',
    delivery,
    cause,
  });
}

/**
 * The wait queue of a concurrency slot is full. Retryable; nothing was sent.
 *
 * @example
 * throw concurrencyLimitError('the wait queue holds 10000 callers');
 */
export function concurrencyLimitError(detail: string): ParleyError {
  return new ParleyError({
    code: 'CONCURRENCY_LIMIT',
    message: `Concurrency limit reached: ${detail}`,
    retryable: true,
    delivery: 'not_sent',
  });
}

/** A time limit passed. Retryable; whether a send went through depends on `delivery`. */
export function timeoutError(what: string, delivery: Delivery, cause?: unknown): ParleyError {
  return new ParleyError({
    code: 'TIMEOUT',
    message: `Timed out ${what}`,
    retryable: true,
    delivery,
    cause,
  });
}

/** The connection failed. `not_sent` only where the request surely never reached the server. */
export function networkError(detail: string, delivery: Delivery, cause?: unknown): ParleyError {
  return new ParleyError({
    code: 'NETWORK',
    message: `Network error: ${detail}`,
    retryable: true,
    delivery,
    cause,
  });
}

/** The provider answered with something of no documented shape. The raw body is kept, truncated. */
export function protocolError(
  detail: string,
  response: { status?: number; body?: string },
  provider?: string,
): ParleyError {
  return new ParleyError({
    code: 'PROTOCOL',
    message: `Unexpected response${provider ? ` from ${provider}` : ''}: ${detail}`,
    delivery: 'unknown',
    ...(response.status !== undefined ? { httpStatus: response.status } : {}),
    ...(response.body !== undefined ? { body: response.body } : {}),
    ...(provider ? { provider } : {}),
  });
}

export interface ProviderErrorInit {
  readonly code: ErrorCode;
  readonly provider: string;
  readonly message: string;
  readonly retryable: boolean;
  readonly delivery: Delivery;
  readonly httpStatus?: number;
  readonly providerCode?: string | number;
  readonly retryAfterMs?: number;
  readonly body?: string;
}

/** A documented error answer from a provider, already classified by the adapter's error table. */
export function providerError(init: ProviderErrorInit): ParleyError {
  return new ParleyError(init);
}

export interface WebhookErrorInit {
  readonly code: ErrorCode;
  /** The HTTP status the webhook answered the call with. */
  readonly status: number;
  readonly detail: string;
  readonly provider?: string;
  readonly cause?: unknown;
}

/**
 * A call to `messenger.webhook` that failed: turned away (401, 400, 405, 408, 413) or whose
 * status could not be handled (500). `httpStatus` is the status the webhook answered with.
 * Never carries the URL, the signature or the secret.
 *
 * @example
 * webhookError({ code: 'AUTH', status: 401, detail: 'missing or invalid callback signature' });
 */
export function webhookError(init: WebhookErrorInit): ParleyError {
  return new ParleyError({
    code: init.code,
    message: `Webhook call answered ${init.status}: ${init.detail}`,
    httpStatus: init.status,
    ...(init.provider ? { provider: init.provider } : {}),
    ...(init.cause !== undefined ? { cause: init.cause } : {}),
  });
}

/**
 * A repeated idempotency key whose first send failed in a way that may have reached the provider:
 * it is not sent again, since that could deliver the message twice.
 */
export function idempotencyUnknownError(provider: string): ParleyError {
  return new ParleyError({
    code: 'PROVIDER_ERROR',
    message:
      'The first send with this idempotency key may have reached the provider (its outcome is unknown), so it is not sent again; check the message before sending it under a new key',
    delivery: 'unknown',
    provider,
  });
}

/** A daily request quota that core counts for a credential is used up. Not sent. */
export function quotaExceededError(limit: number, provider: string): ParleyError {
  return new ParleyError({
    code: 'QUOTA_EXCEEDED',
    message: `The daily limit of ${limit} requests for this credential is used up (resets at 00:00 UTC)`,
    delivery: 'not_sent',
    provider,
  });
}

/**
 * Something failed that is not a `ParleyError` (a bug, or a store that broke): code `INTERNAL`,
 * never `PROTOCOL`, which would blame the provider. The original is the cause.
 */
export function unexpectedError(what: string, cause: unknown): ParleyError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new ParleyError({ code: 'INTERNAL', message: `${what}: ${detail}`, delivery: 'unknown', cause });
}

/**
 * What one kind of provider failure means for the client: the `ParleyError` code, whether the
 * same call may succeed later, and whether the provider surely did not take the message.
 * Adapters keep tables of these; core's `httpMeaning` is the default by HTTP status.
 */
export interface ErrorMeaning {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly delivery: Delivery;
  /** A short explanation, added to the error's message. */
  readonly what: string;
}

export interface ProviderFailureInit {
  /** The provider's name, e.g. `wolkvox`. */
  readonly provider: string;
  /** How the provider calls itself in messages, e.g. `Wolkvox`. Default: `provider`. */
  readonly label?: string;
  /** The provider's own words (its error name and message), quoted in the error's message. */
  readonly said?: string;
  readonly providerCode?: string | number;
  /** For a send: an `unknown` delivery adds "the message may have been accepted". */
  readonly isSend?: boolean;
  /** The clock for an HTTP-date `Retry-After`. Default `Date.now()`. */
  readonly now?: number;
}

/**
 * The one builder of a provider's failure answer: the meaning (from an adapter's table or core's
 * `httpMeaning`), the HTTP status, the provider's code and words, the raw body (redacted and
 * truncated by the messenger) and, for a retryable refusal, the `Retry-After` read once.
 *
 * @example
 * throw providerFailure(httpMeaning(res.status) ?? unknownAnswer, res, { provider: 'acme', said: 'quota' });
 */
export function providerFailure(
  meaning: ErrorMeaning,
  response: { readonly status: number; readonly headers: Readonly<Record<string, string>>; readonly body: string },
  init: ProviderFailureInit,
): ParleyError {
  const retryAfter = response.headers['retry-after'];
  const retryAfterMs =
    meaning.retryable && meaning.delivery === 'not_sent' && retryAfter !== undefined
      ? parseRetryAfter(retryAfter, init.now ?? Date.now())
      : undefined;
  const code = init.providerCode !== undefined ? `code ${init.providerCode}, ` : '';
  const said = init.said ? ` (${init.said})` : ` (${describeBody(response.body)})`;
  const maybe = init.isSend && meaning.delivery === 'unknown' ? '; the message may have been accepted' : '';
  return new ParleyError({
    code: meaning.code,
    provider: init.provider,
    message: `${init.label ?? init.provider} answered ${code}HTTP ${response.status}${said}: ${meaning.what}${maybe}`,
    retryable: meaning.retryable,
    delivery: meaning.delivery,
    httpStatus: response.status,
    ...(init.providerCode !== undefined ? { providerCode: init.providerCode } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    body: response.body,
  });
}

/** How a body that says nothing readable looks, for an error's message: never its content. */
export function describeBody(body: string): string {
  const text = body.trim();
  if (text === '') return 'an empty body';
  if (/^<(!doctype|html|head|body|\?xml)\b/i.test(text) || /<\/(html|body|h1|title)>/i.test(text))
    return 'an HTML page';
  return 'an undocumented body';
}
