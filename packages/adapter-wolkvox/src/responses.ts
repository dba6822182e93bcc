import type { ParleyError, TransportResponse } from '@parley/core';
import { protocolError, providerError } from '@parley/core/provider';
import { classifyError } from './errors.js';

const PROVIDER = 'wolkvox';

/** Wolkvox's answer shape (every API): `{ code, error, msg }`. */
interface Answer {
  readonly code?: unknown;
  readonly error?: unknown;
  readonly msg?: unknown;
}

/**
 * Reads a send answer. Success is a 2xx whose body `code` (read with `Number()`, since some
 * Wolkvox APIs send it as a string) is 200..299 or absent and whose `error` is null; Wolkvox
 * returns no message id, so core gives the message its own. Anything else throws a classified
 * `ParleyError` carrying `httpStatus`, `providerCode` and the raw body.
 *
 * @example
 * parseSendResponse({ status: 201, headers: {}, body: '{"code":201,"error":null,"msg":"Message has been sent successfully"}' });
 * // {}
 */
export function parseSendResponse(response: TransportResponse): { providerMessageId?: string } {
  const ok = response.status >= 200 && response.status < 300;
  const answer = readAnswer(response.body);
  if (answer === undefined) {
    if (ok) throw protocolError('the body is not a JSON object', response, PROVIDER);
    throw toError(response, response.status, {});
  }
  const code = readCode(answer.code);
  if (ok && code === undefined && answer.code != null) {
    throw protocolError('the code is not a number', response, PROVIDER);
  }
  if (ok && (code === undefined || isSuccess(code)) && answer.error == null) return {};
  // A 2xx code under an error status (or beside an `error`) says nothing: go by the HTTP status.
  throw toError(response, code !== undefined && !isSuccess(code) ? code : response.status, answer);
}

function toError(response: TransportResponse, code: number, answer: Answer): ParleyError {
  const msg = text(answer.msg);
  const name = text(answer.error);
  const outcome = classifyError(code, msg);
  const said = [name, msg].filter(Boolean).join(': ') || 'no message';
  const providerCode = answer.code;
  return providerError({
    code: outcome.code,
    provider: PROVIDER,
    message: `Wolkvox answered ${code} (${said}): ${outcome.meaning}`,
    retryable: outcome.retryable,
    delivery: outcome.delivery,
    httpStatus: response.status,
    ...(typeof providerCode === 'number' || typeof providerCode === 'string' ? { providerCode } : {}),
    body: response.body,
  });
}

/** The body as an object, or `undefined` when it is not a JSON object. */
function readAnswer(body: string): Answer | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Answer) : undefined;
  } catch {
    return undefined;
  }
}

/** `code` as a whole number (`201` or `"201"`), or `undefined` when absent or unreadable. */
function readCode(value: unknown): number | undefined {
  if (typeof value !== 'number' && (typeof value !== 'string' || value.trim() === '')) return undefined;
  const code = Number(value);
  return Number.isInteger(code) ? code : undefined;
}

function isSuccess(code: number): boolean {
  return code >= 200 && code < 300;
}

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
