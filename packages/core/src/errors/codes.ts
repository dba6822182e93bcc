/** Every failure code a `ParleyError` can carry. */
export const ERROR_CODES = [
  'CONFIG',
  'VALIDATION',
  'UNSUPPORTED',
  'AUTH',
  'RATE_LIMITED',
  'CONCURRENCY_LIMIT',
  'QUOTA_EXCEEDED',
  'INSUFFICIENT_BALANCE',
  'SESSION_WINDOW_CLOSED',
  'MEDIA_REJECTED',
  'PROVIDER_REJECTED',
  'PROVIDER_ERROR',
  'TIMEOUT',
  'NETWORK',
  'ABORTED',
  'PROTOCOL',
  /** A failure inside Parley or its store (a bug, a store that threw): not the provider's doing. */
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * What a failed send means for the message: `not_sent` where the provider surely did not
 * accept it (safe to send again), `unknown` where it may have (sending again may duplicate it).
 */
export type Delivery = 'not_sent' | 'unknown';

/** One problem with a field of a config or a message. `path` is dotted, e.g. `to` or `components.0.type`. */
export interface Issue {
  readonly path: string;
  readonly message: string;
}
