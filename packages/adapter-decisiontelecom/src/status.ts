import type { DeliveryStatus, ProviderStatus } from '@parley/core';

/**
 * DecisionTelecom's status codes and their unified statuses. Code 0 (`sent`) is listed by the
 * English and Russian docs and missing from the Spanish one; it is kept.
 *
 * @example
 * STATUS_TABLE[7]; // 'read'
 */
export const STATUS_TABLE: Readonly<Record<number, DeliveryStatus>> = {
  0: 'sent',
  1: 'delivered',
  2: 'rejected',
  3: 'failed', // "error"
  4: 'failed',
  5: 'deleted',
  6: 'pending',
  7: 'read', // "seen"
};

/**
 * The status names (undocumented in payloads; the names of the docs' table, `read` for `seen`),
 * read case-insensitively.
 */
const STATUS_NAMES: Readonly<Record<string, DeliveryStatus>> = {
  sent: 'sent',
  delivered: 'delivered',
  rejected: 'rejected',
  error: 'failed',
  failed: 'failed',
  deleted: 'deleted',
  pending: 'pending',
  seen: 'read',
  read: 'read',
};

/**
 * Maps a raw `status` (a number, a string of digits, or a status name in any case) to a unified
 * status, keeping the raw value as sent. A code outside the table is `unknown`; a value that is
 * neither a number nor a known name gives `undefined` (the caller reports a malformed response).
 *
 * @example
 * mapStatus(7);      // { status: 'read', providerStatus: 7 }
 * mapStatus('Seen'); // { status: 'read', providerStatus: 'Seen' }
 * mapStatus('12');   // { status: 'unknown', providerStatus: '12' }
 */
export function mapStatus(raw: unknown): ProviderStatus | undefined {
  let code: number;
  if (typeof raw === 'number' && Number.isFinite(raw)) code = raw;
  else if (typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw)) code = Number(raw);
  else if (typeof raw === 'string') {
    const named = Object.hasOwn(STATUS_NAMES, raw.trim().toLowerCase())
      ? STATUS_NAMES[raw.trim().toLowerCase()]
      : undefined;
    return named === undefined ? undefined : { status: named, providerStatus: raw };
  } else return undefined;
  const status = Number.isInteger(code) ? STATUS_TABLE[code] : undefined;
  return { status: status ?? 'unknown', providerStatus: raw };
}
