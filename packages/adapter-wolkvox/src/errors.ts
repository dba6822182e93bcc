import type { Delivery, ErrorCode } from '@parley/core';

/** What an error answer means for the client. */
export interface ErrorOutcome {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly delivery: Delivery;
  /** A short explanation, added to the error's message. */
  readonly meaning: string;
}

/** One row of the response table: a `code` and a `msg` pattern (either may be left open). */
export interface ErrorRule {
  /** The body's `code` (read with `Number()`), or the HTTP status without one. Any code when absent. */
  readonly code?: number;
  /** Tested against `msg`, case-insensitively. Any `msg` when absent. */
  readonly msg?: RegExp;
  readonly outcome: ErrorOutcome;
}

const notSent = (code: ErrorCode, retryable: boolean, meaning: string): ErrorOutcome => ({
  code,
  retryable,
  delivery: 'not_sent',
  meaning,
});

/**
 * Wolkvox's error answers (`{code, error, msg}`, wolkvox.com/en/api-response-codes, as settled in
 * providers.md), first match wins. The 403s differ only by `msg`. Outside the 24-hour window the
 * provider's `msg` is undocumented: one that speaks of the window or of templates counts as a
 * closed session window.
 *
 * @example
 * classifyError(403, 'EXCEEDS THE LIMIT OF SIMULTANEOUS REQUESTS PER TOKEN (2)').code; // 'CONCURRENCY_LIMIT'
 */
export const WOLKVOX_ERRORS: readonly ErrorRule[] = [
  {
    code: 400,
    msg: /does not exist/i,
    outcome: notSent('PROVIDER_REJECTED', false, 'the API called does not exist'),
  },
  {
    code: 400,
    msg: /parameters are required/i,
    outcome: notSent('PROVIDER_REJECTED', false, 'the provider found a required field missing'),
  },
  { code: 401, outcome: notSent('AUTH', false, 'the wolkvox-token header is missing') },
  {
    code: 403,
    msg: /simultaneous/i,
    outcome: notSent('CONCURRENCY_LIMIT', true, 'more than 2 requests were in flight for this token'),
  },
  {
    code: 403,
    msg: /token limit exceeded/i,
    outcome: notSent('QUOTA_EXCEEDED', false, "the token's daily request limit is used up"),
  },
  { code: 403, msg: /validate token/i, outcome: notSent('AUTH', false, 'the token was refused') },
  {
    code: 403,
    msg: /maintenance|mantenimiento|backup/i,
    outcome: notSent('PROVIDER_ERROR', true, 'the server is in maintenance or backup; try again later'),
  },
  {
    msg: /\b24\b|window|ventana|plantilla|template/i,
    outcome: notSent(
      'SESSION_WINDOW_CLOSED',
      false,
      'free-form messages need a reply from the customer within the last 24 hours; send a template',
    ),
  },
];

/**
 * Classifies an error answer by its code and `msg`. An answer the table does not know is a
 * `PROVIDER_ERROR` whose delivery is `unknown` (retryable only for a 5xx, and a send whose
 * delivery is unknown is never resent).
 *
 * @example
 * classifyError(403, 'TOKEN LIMIT EXCEEDED'); // { code: 'QUOTA_EXCEEDED', retryable: false, delivery: 'not_sent', … }
 */
export function classifyError(code: number, msg: string): ErrorOutcome {
  // A rule without a code (the session window) reads only a 4xx: a 5xx may have been accepted.
  const rule = WOLKVOX_ERRORS.find(
    (r) => (r.code === undefined ? code >= 400 && code < 500 : r.code === code) && (r.msg?.test(msg) ?? true),
  );
  return (
    rule?.outcome ?? {
      code: 'PROVIDER_ERROR',
      retryable: code >= 500,
      delivery: 'unknown',
      meaning: 'an answer Wolkvox does not document; the message may have been accepted',
    }
  );
}
