import type { ParleyError, ProviderStatus, TransportResponse } from '@parley/core';
import { protocolError } from '@parley/core/provider';
import { documentedError, isErrorBody, undocumentedError } from './errors.js';
import { topLevelRawValue } from './raw-json.js';
import { mapStatus } from './status.js';

const PROVIDER = 'decisiontelecom';

type Body = Readonly<Record<string, unknown>>;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The `ParleyError` for a response that is not a success: the error body under any HTTP
 * status (200 included), else a classification by HTTP status, else `PROTOCOL`.
 */
function failure(response: TransportResponse, body: unknown, isSend: boolean, detail: string): ParleyError {
  if (isErrorBody(body)) return documentedError(body, response, isSend);
  const isSuccessStatus = response.status >= 200 && response.status <= 299;
  return (
    (isSuccessStatus ? undefined : undocumentedError(response, isSend)) ??
    protocolError(detail, { status: response.status, body: response.body }, PROVIDER)
  );
}

/**
 * The provider's message id of a successful send: `{"message_id": 554}`, read from the raw text
 * so that ids above 2^53 keep every digit (`JSON.parse` would round them). A decimal string
 * id is accepted too.
 */
function messageIdOf(response: TransportResponse, body: Body): string | undefined {
  const value = body.message_id;
  if (typeof value === 'string') return /^\d{1,30}$/.test(value) ? value : undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) return undefined;
  const raw = topLevelRawValue(response.body, 'message_id');
  return raw !== undefined && /^\d{1,30}$/.test(raw) ? raw : undefined;
}

/**
 * Reads a `send-whatsapp` response: `{"message_id": 554}` on a 2xx gives the id as a decimal
 * string; anything else is thrown as a `ParleyError` (see {@link failure}).
 *
 * @example
 * parseSendResponse({ status: 200, headers: {}, body: '{"message_id":9007199254740993}' });
 * // { providerMessageId: '9007199254740993' }
 */
export function parseSendResponse(response: TransportResponse): { providerMessageId: string } {
  const body = parseJson(response.body);
  const isSuccessStatus = response.status >= 200 && response.status <= 299;
  if (isSuccessStatus && isObject(body) && !isErrorBody(body)) {
    const providerMessageId = messageIdOf(response, body);
    if (providerMessageId !== undefined) return { providerMessageId };
  }
  throw failure(response, body, true, 'expected {"message_id": <digits>} from send-whatsapp');
}

/**
 * Reads a `receive-whatsapp` response: `{"message_id": 554, "status": 1}` on a 2xx gives the
 * unified status (an unlisted code is `unknown`, the raw value kept; a status name is read too);
 * one about another `message_id` than `askedId` is `PROTOCOL`; anything else is thrown.
 *
 * @example
 * parseStatusResponse({ status: 200, headers: {}, body: '{"message_id":554,"status":7}' });
 * // { status: 'read', providerStatus: 7 }
 */
export function parseStatusResponse(response: TransportResponse, askedId?: string): ProviderStatus {
  const body = parseJson(response.body);
  const isSuccessStatus = response.status >= 200 && response.status <= 299;
  if (isSuccessStatus && isObject(body) && 'message_id' in body) {
    if (askedId !== undefined) {
      const id = messageIdOf(response, body);
      if (id !== askedId) {
        throw protocolError(
          'the status answer is about another message_id than the one asked for',
          { status: response.status, body: response.body },
          PROVIDER,
        );
      }
    }
    const status = mapStatus(body.status);
    if (status !== undefined) return status;
  }
  throw failure(response, body, false, 'expected {"message_id": <digits>, "status": <code>} from receive-whatsapp');
}
