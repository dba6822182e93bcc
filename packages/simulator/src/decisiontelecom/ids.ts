import { isRecord } from '../http.js';

/** An id as a test may give it: bigint, safe integer or digit string. */
export function toId(id: bigint | number | string): bigint | undefined {
  if (typeof id === 'bigint') return id >= 0n ? id : undefined;
  if (typeof id === 'number') return Number.isSafeInteger(id) && id >= 0 ? BigInt(id) : undefined;
  return /^\d{1,40}$/.test(id) ? BigInt(id) : undefined;
}

/**
 * `message_id` from a status request. An integer past 2^53 loses digits in `JSON.parse`, so
 * those are read from the raw text.
 */
export function messageIdOf(body: unknown, raw: string): bigint | undefined {
  if (!isRecord(body)) return undefined;
  const id = body.message_id;
  if (typeof id === 'string') return toId(id);
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) return undefined;
  if (Number.isSafeInteger(id)) return BigInt(id);
  const digits = /"message_id"\s*:\s*(\d+)\s*[,}]/.exec(raw)?.[1];
  return digits === undefined ? undefined : BigInt(digits);
}
