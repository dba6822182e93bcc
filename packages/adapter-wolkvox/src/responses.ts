import type { ParleyError, ProviderRequest, TransportResponse } from '@parley/core';
import { protocolError, providerFailure, readJsonObject } from '@parley/core/provider';
import { classifyError, type WolkvoxApi } from './errors.js';
import { WOLKVOX_APIS } from './requests.js';

const PROVIDER = 'wolkvox';

/** Wolkvox's answer shape (every API): `{ code, error, msg }`. */
interface Answer {
  readonly code?: unknown;
  readonly error?: unknown;
  readonly msg?: unknown;
}

/** The API a request called, from its `api` query value (`text` when it cannot be told). */
export function apiOf(request: Pick<ProviderRequest, 'url'> | undefined): WolkvoxApi {
  return request?.url.includes(`api=${WOLKVOX_APIS.template}`) ? 'template' : 'text';
}

/**
 * Reads a send answer. Success is a 2xx whose body `code` (read with `Number()`, since some
 * Wolkvox APIs send it as a string) is 200..299 or absent and whose `error` is null, `false` or
 * `""`; a PHP notice or warning printed before an intact JSON object is read past. Wolkvox returns
 * no message id, so core gives the message its own. Anything else throws a classified
 * `ParleyError` carrying `httpStatus`, `providerCode` and the raw body (redacted by core).
 *
 * @example
 * parseSendResponse({ status: 201, headers: {}, body: '{"code":201,"error":null,"msg":"Message has been sent successfully"}' });
 * // {}
 */
export function parseSendResponse(
  response: TransportResponse,
  request?: Pick<ProviderRequest, 'url'>,
): { providerMessageId?: string } {
  const api = apiOf(request);
  const ok = response.status >= 200 && response.status < 300;
  const answer: Answer | undefined = readJsonObject(response.body, { skipPhpDiagnostics: true });
  if (answer === undefined) {
    if (ok) throw protocolError('the body is not a JSON object', response, PROVIDER);
    throw toError(response, response.status, {}, api);
  }
  const code = readCode(answer.code);
  if (ok && code === undefined && answer.code != null) {
    throw protocolError('the code is not a number', response, PROVIDER);
  }
  if (ok && (code === undefined || isSuccess(code)) && noError(answer.error)) return {};
  // A 2xx code under an error status (or beside an `error`) says nothing: go by the HTTP status.
  throw toError(response, code !== undefined && !isSuccess(code) ? code : response.status, answer, api);
}

function toError(response: TransportResponse, code: number, answer: Answer, api: WolkvoxApi): ParleyError {
  const msg = text(answer.msg);
  const name = text(answer.error);
  const providerCode = answer.code;
  return providerFailure(classifyError(code, msg, api), response, {
    provider: PROVIDER,
    label: 'Wolkvox',
    isSend: true,
    ...(name || msg ? { said: [name, msg].filter(Boolean).join(': ') } : {}),
    ...(typeof providerCode === 'number' || typeof providerCode === 'string' ? { providerCode } : {}),
  });
}

/** `error` says there is none: absent, null, `false` or an empty string. */
function noError(value: unknown): boolean {
  return value == null || value === false || value === '';
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
  if (value === undefined || value === null || value === false) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
