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
 * Maps a raw `status` (a number, or a string of digits) to a unified status, keeping the raw
 * value as sent. A code outside the table is `unknown`; a value that is not a number at all
 * gives `undefined` (the caller reports it as a malformed response).
 *
 * @example
 * mapStatus(7);    // { status: 'read', providerStatus: 7 }
 * mapStatus('12'); // { status: 'unknown', providerStatus: '12' }
 */
export function mapStatus(raw: unknown): ProviderStatus | undefined {
  let code: number;
  if (typeof raw === 'number' && Number.isFinite(raw)) code = raw;
  else if (typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw)) code = Number(raw);
  else return undefined;
  const status = Number.isInteger(code) ? STATUS_TABLE[code] : undefined;
  return { status: status ?? 'unknown', providerStatus: raw };
}
