import type { ParleyError, TransportResponse } from '@parley/core';
import { type ErrorMeaning, httpMeaning, providerFailure, RATE_LIMITED } from '@parley/core/provider';

export type { ErrorMeaning };

/** DecisionTelecom's error body: `{name, message, code, status}`, sent with any HTTP status, 200 included. */
export interface ErrorBody {
  readonly code: unknown;
  readonly name?: unknown;
  readonly message?: unknown;
  readonly status?: unknown;
}

const rateLimited: ErrorMeaning = RATE_LIMITED;
const internal: ErrorMeaning = {
  code: 'PROVIDER_ERROR',
  retryable: true,
  delivery: 'unknown',
  what: 'internal server error',
};
const media: ErrorMeaning = {
  code: 'MEDIA_REJECTED',
  retryable: false,
  delivery: 'not_sent',
  what: 'file_url rejected',
};

/**
 * The errors table of the docs, by `code`. A code 2, 4, 5 or 6 is a provider fault after which
 * a send may or may not have been accepted: `retryable` lets core retry a status query, and
 * `delivery: 'unknown'` keeps it from resending a message.
 *
 * @example
 * ERROR_TABLE[7]; // { code: 'SESSION_WINDOW_CLOSED', retryable: false, delivery: 'not_sent', what: '…' }
 */
export const ERROR_TABLE: Readonly<Record<number, ErrorMeaning>> = {
  0: rateLimited,
  1: { code: 'PROVIDER_REJECTED', retryable: false, delivery: 'not_sent', what: 'invalid parameter' },
  2: internal,
  3: { code: 'INSUFFICIENT_BALANCE', retryable: false, delivery: 'not_sent', what: 'the balance is empty' },
  4: internal,
  5: internal,
  6: internal,
  7: {
    code: 'SESSION_WINDOW_CLOSED',
    retryable: false,
    delivery: 'not_sent',
    what: 'more than 24 hours since the customer last replied; only a template may be sent',
  },
  8: media,
  9: media,
};

/**
 * Whether a parsed body has the error shape: an object with `code` and `name` (or `code` and
 * `status`, the name left out) and no `message_id`.
 */
export function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return 'code' in value && ('name' in value || 'status' in value) && !('message_id' in value);
}

/** The meaning of a response with no documented body: core's default reading of the HTTP status. */
const byHttpStatus = httpMeaning;

/** A numeric `code` or `status` of an error body, as a number. */
function numeric(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\d{1,9}$/.test(value.trim())) return Number(value);
  return undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * The meaning of a documented error code. Code 0 is rate limiting per the docs, but this body is
 * also the Yii framework's default error body, whose code is 0 for every plain HTTP error (a bad
 * key would likely answer `{"name":"Unauthorized","code":0,"status":401}`), so a code 0 whose
 * status (the body's `status`, else the HTTP one) is neither 429 nor 2xx is read from that status.
 */
function byProviderCode(code: number | undefined, effectiveStatus: number): ErrorMeaning | undefined {
  if (code === undefined) return undefined;
  if (code === 0 && effectiveStatus !== 429 && (effectiveStatus < 200 || effectiveStatus > 299)) {
    return byHttpStatus(effectiveStatus);
  }
  return ERROR_TABLE[code];
}

const unknownCode: ErrorMeaning = {
  code: 'PROVIDER_ERROR',
  retryable: false,
  delivery: 'unknown',
  what: 'undocumented error code',
};

function build(
  meaning: ErrorMeaning,
  response: TransportResponse,
  detail: string,
  isSend: boolean,
  providerCode?: unknown,
): ParleyError {
  const code = numeric(providerCode) ?? (typeof providerCode === 'string' ? providerCode : undefined);
  return providerFailure(meaning, response, {
    provider: 'decisiontelecom',
    label: 'DecisionTelecom',
    isSend,
    ...(detail ? { said: detail } : {}),
    ...(code !== undefined ? { providerCode: code } : {}),
  });
}

/**
 * A `ParleyError` for an error body, by the errors table of the docs: its `code`, `retryable`
 * and `delivery`, the provider's code, the HTTP status (200 too) and the body. A code 1 names the
 * parameter from `name` (`Invalid Parameter: [destination_addr]`).
 *
 * @example
 * documentedError({ name: 'Topup balance is required', message: 'User balance is empty', code: 3, status: 402 }, response, true);
 * // ParleyError { code: 'INSUFFICIENT_BALANCE', retryable: false, delivery: 'not_sent', providerCode: 3, httpStatus: 402 }
 */
export function documentedError(body: ErrorBody, response: TransportResponse, isSend: boolean): ParleyError {
  const code = numeric(body.code);
  const effectiveStatus = numeric(body.status) ?? response.status;
  const meaning = byProviderCode(code, effectiveStatus) ?? unknownCode;
  const name = text(body.name);
  const message = text(body.message);
  const parts = [name, message].filter((p) => p !== undefined);
  let detail = parts.join(' - ');
  if (code === 1) {
    const parameter = name !== undefined ? /\[([^\]]*)\]/.exec(name)?.[1]?.trim() : undefined;
    detail = parameter ? `invalid parameter ${parameter}${message ? `: ${message}` : ''}` : detail;
  }
  return build(meaning, response, detail, isSend, body.code);
}

/**
 * A `ParleyError` for a response of no documented shape, from its HTTP status: 401/403 `AUTH`,
 * 429 `RATE_LIMITED`, 5xx `PROVIDER_ERROR` (delivery unknown), other 4xx `PROVIDER_REJECTED`;
 * `undefined` for any other status (the caller reports `PROTOCOL`).
 *
 * @example
 * undocumentedError({ status: 401, headers: {}, body: '<html>' }, true)?.code; // 'AUTH'
 */
export function undocumentedError(response: TransportResponse, isSend: boolean): ParleyError | undefined {
  const meaning = byHttpStatus(response.status);
  return meaning ? build(meaning, response, '', isSend) : undefined;
}
