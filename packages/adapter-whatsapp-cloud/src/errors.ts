import {
  type Delivery,
  type ErrorCode,
  type ParleyError,
  parseRetryAfter,
  protocolError,
  providerError,
  type TransportResponse,
} from '@parley/core/provider';

/** What one Graph error code means for the client. */
export interface ErrorMeaning {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly delivery: Delivery;
  readonly what: string;
}

const rateLimited = (what: string): ErrorMeaning => ({
  code: 'RATE_LIMITED',
  retryable: true,
  delivery: 'not_sent',
  what,
});
const auth = (what: string): ErrorMeaning => ({ code: 'AUTH', retryable: false, delivery: 'not_sent', what });
const rejected = (what: string): ErrorMeaning => ({
  code: 'PROVIDER_REJECTED',
  retryable: false,
  delivery: 'not_sent',
  what,
});

/**
 * Meta's error codes that Parley tells apart, from the WhatsApp Cloud API error code reference
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes/)
 * and the Graph API error handling guide. Any other code is read from the HTTP status.
 *
 * @example
 * ERROR_TABLE[131047]; // { code: 'SESSION_WINDOW_CLOSED', retryable: false, delivery: 'not_sent', … }
 */
export const ERROR_TABLE: Readonly<Record<number, ErrorMeaning>> = {
  // Authorization: expired, invalidated or wrong access token; missing permission.
  0: auth('authentication failed (AuthException)'),
  190: auth('access token expired or invalid'),
  102: auth('API session expired or invalid'),
  10: auth('permission denied for this access token'),
  // Throughput: per-app calls, Cloud API throughput, pair rate limit, WABA rate limit.
  4: rateLimited('too many API calls for this app'),
  80007: rateLimited('rate limit of the WhatsApp Business Account reached'),
  130429: rateLimited('Cloud API message throughput reached'),
  131056: rateLimited('too many messages to this recipient in a short time (pair rate limit)'),
  // Messaging.
  131047: {
    code: 'SESSION_WINDOW_CLOSED',
    retryable: false,
    delivery: 'not_sent',
    what: 'more than 24 hours since the customer last replied; only a template may be sent',
  },
  131026: rejected('message undeliverable (not on WhatsApp, old app version, or terms not accepted)'),
  131053: {
    code: 'MEDIA_REJECTED',
    retryable: false,
    delivery: 'not_sent',
    what: 'media could not be downloaded or used',
  },
};

/** Template errors 132000–132016 (wrong parameter count, missing template or translation, paused, …). */
function templateMeaning(code: number): ErrorMeaning | undefined {
  return code >= 132000 && code <= 132016 ? rejected('template rejected') : undefined;
}

/** The meaning of a response from its HTTP status, where its code says nothing Parley knows. */
export function byHttpStatus(status: number): ErrorMeaning | undefined {
  if (status === 401 || status === 403) return auth('authentication failed');
  if (status === 429) return rateLimited('rate limit reached');
  if (status >= 500 && status <= 599) {
    return { code: 'PROVIDER_ERROR', retryable: true, delivery: 'unknown', what: 'server error' };
  }
  if (status >= 400 && status <= 499) return rejected('request rejected');
  return undefined;
}

/** The Graph error object: `{ error: { message, type, code, error_subcode?, error_data?: { details }, fbtrace_id } }`. */
interface GraphError {
  readonly message?: unknown;
  readonly type?: unknown;
  readonly code?: unknown;
  readonly error_subcode?: unknown;
  readonly error_data?: { readonly details?: unknown };
  readonly fbtrace_id?: unknown;
}

function graphErrorOf(body: string): GraphError | undefined {
  try {
    const value = JSON.parse(body) as { error?: unknown };
    const error = value?.error;
    return typeof error === 'object' && error !== null ? (error as GraphError) : undefined;
  } catch {
    return undefined;
  }
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
const integer = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isInteger(value) ? value : undefined;

/**
 * A `ParleyError` for a failed Graph call: its code read by {@link ERROR_TABLE} (template codes
 * 132000–132016 as `PROVIDER_REJECTED`), else by the HTTP status (5xx `PROVIDER_ERROR` with
 * delivery unknown). The message carries Meta's message, `error_data.details`, the subcode and
 * `fbtrace_id` (what Meta support asks for); `providerCode` is the Graph code.
 *
 * @example
 * graphError({ status: 400, headers: {}, body: '{"error":{"code":131047,"message":"Re-engagement message","fbtrace_id":"A1"}}' }, true).code;
 * // 'SESSION_WINDOW_CLOSED'
 */
export function graphError(response: TransportResponse, isSend: boolean): ParleyError {
  const error = graphErrorOf(response.body);
  const code = integer(error?.code);
  const meaning =
    (code !== undefined ? (ERROR_TABLE[code] ?? templateMeaning(code)) : undefined) ?? byHttpStatus(response.status);
  if (meaning === undefined) {
    throw protocolError(
      `HTTP ${response.status} without a Graph error`,
      { status: response.status, body: response.body },
      'whatsapp-cloud',
    );
  }
  const subcode = integer(error?.error_subcode);
  const said = [text(error?.message), text(error?.error_data?.details)].filter((s) => s !== undefined).join(': ');
  const trace = text(error?.fbtrace_id);
  const where = [
    code !== undefined ? `code ${code}` : undefined,
    subcode !== undefined ? `subcode ${subcode}` : undefined,
    `HTTP ${response.status}`,
    trace !== undefined ? `fbtrace_id ${trace}` : undefined,
  ].filter((s) => s !== undefined);
  const maybe = isSend && meaning.delivery === 'unknown' ? '; the message may have been accepted' : '';
  const retryAfterMs = meaning.code === 'RATE_LIMITED' ? parseRetryAfter(response.headers['retry-after']) : undefined;
  return providerError({
    code: meaning.code,
    provider: 'whatsapp-cloud',
    message: `WhatsApp Cloud API ${meaning.what} (${where.join(', ')})${said ? `: ${said}` : ''}${maybe}`,
    retryable: meaning.retryable,
    delivery: meaning.delivery,
    httpStatus: response.status,
    ...(code !== undefined ? { providerCode: code } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    body: response.body,
  });
}

/**
 * Reads a send's answer: `messages[0].id` (the `wamid`) on a 2xx; a thrown `ParleyError` otherwise.
 *
 * @example
 * parseSendResponse({ status: 200, headers: {}, body: '{"messages":[{"id":"wamid.X"}]}' }); // { providerMessageId: 'wamid.X' }
 */
export function parseSendResponse(response: TransportResponse): { providerMessageId: string } {
  if (response.status < 200 || response.status > 299) throw graphError(response, true);
  let id: unknown;
  try {
    id = (JSON.parse(response.body) as { messages?: { id?: unknown }[] })?.messages?.[0]?.id;
  } catch {
    id = undefined;
  }
  if (typeof id !== 'string' || id === '') {
    throw protocolError(
      'send answer has no messages[0].id',
      { status: response.status, body: response.body },
      'whatsapp-cloud',
    );
  }
  return { providerMessageId: id };
}
