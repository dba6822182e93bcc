import type { CallbackStatus } from '@parley/core';
import { protocolError } from '@parley/core/provider';
import { mapStatus } from './status.js';

function messageId(value: unknown): string | undefined {
  if (typeof value === 'string' && /^\d{1,30}$/.test(value.trim())) return value.trim();
  // A JSON body's number was already parsed by core: above 2^53 its digits may be wrong, so it is left out.
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  return undefined;
}

/**
 * Reads a status callback. DecisionTelecom does not document the payload; the adapter takes the
 * same pair as the status call, `status` (a number, a string of digits or a status name such as
 * `delivered` or `seen`, any case) and an optional
 * `message_id`, from a JSON body, a form body or the query string (core merges them). Which
 * message it is about comes from the signed callback URL, not from the payload. A missing or
 * non-numeric `status` throws `PROTOCOL`, so the webhook answers 400.
 *
 * @example
 * parseCallback({ message_id: '554', status: '1' });
 * // { status: 'delivered', providerStatus: '1', providerMessageId: '554' }
 */
export function parseCallback(fields: Readonly<Record<string, unknown>>): CallbackStatus {
  const status = mapStatus(fields.status);
  if (status === undefined) {
    throw protocolError(
      fields.status === undefined ? 'callback has no status' : 'callback status is neither a code nor a status name',
      { body: JSON.stringify(fields) },
      'decisiontelecom',
    );
  }
  const id = messageId(fields.message_id);
  return { ...status, ...(id !== undefined ? { providerMessageId: id } : {}) };
}
