import { type ErrorMeaning, httpMeaning, RATE_LIMITED, UNKNOWN_ANSWER } from '@parley/core/provider';

/** What an error answer means for the client (core's `ErrorMeaning`). */
export type ErrorOutcome = ErrorMeaning;

/** Which Wolkvox API answered: the rules for free-form text and for templates differ. */
export type WolkvoxApi = 'text' | 'template';

/** One row of the response table: a `code` and a `msg` pattern (either may be left open). */
export interface ErrorRule {
  /** The body's `code` (read with `Number()`), or the HTTP status without one. Any 4xx when absent. */
  readonly code?: number;
  /** Tested against `msg`, case-insensitively. Any `msg` when absent. */
  readonly msg?: RegExp;
  /** Only for this API; both when absent. */
  readonly api?: WolkvoxApi;
  readonly outcome: ErrorOutcome;
}

const notSent = (code: ErrorMeaning['code'], retryable: boolean, what: string): ErrorOutcome => ({
  code,
  retryable,
  delivery: 'not_sent',
  what,
});

/**
 * The wording of a `msg` about the 24-hour customer-service window (undocumented: English and
 * Spanish guesses, "24 hours", "24 horas", "24HORAS", "24h", "window", "ventana").
 */
export const WINDOW_WORDING = /\b24\s*(?:h\b|hours?\b|horas?\b)|\bwindow\b|\bventana\b/i;

/**
 * Wolkvox's error answers (`{code, error, msg}`, wolkvox.com/en/api-response-codes, as settled in
 * providers.md), first match wins. The 403s differ only by `msg`; every documented 403 is a
 * refusal before any work, so one that matches no row (another wording of maintenance, an HTML
 * page, an empty `msg`) is `not_sent` and retryable too, as is any 429. Outside the 24-hour window
 * the provider's `msg` is undocumented: on free-form text only, one that speaks of the window is a
 * closed session window; on a template, a 4xx is a rejection of that template (core's default).
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
    api: 'text',
    msg: new RegExp(`${WINDOW_WORDING.source}|plantilla|template`, 'i'),
    outcome: notSent(
      'SESSION_WINDOW_CLOSED',
      false,
      'free-form messages need a reply from the customer within the last 24 hours; send a template',
    ),
  },
  // After the window rule: a 403 that speaks of the window on free-form text is the closed window.
  {
    code: 403,
    outcome: notSent(
      'PROVIDER_ERROR',
      true,
      'the request was refused before any work (undocumented 403); try again later',
    ),
  },
  { code: 429, outcome: RATE_LIMITED },
];

/**
 * Classifies an error answer by its code, its `msg` and the API that answered (`text` when not
 * given). An answer the table does not know goes by core's default: a 4xx is `not_sent` (a
 * template error is `PROVIDER_REJECTED`), a 5xx or anything else `PROVIDER_ERROR` with delivery
 * `unknown`.
 *
 * @example
 * classifyError(403, 'TOKEN LIMIT EXCEEDED'); // { code: 'QUOTA_EXCEEDED', retryable: false, delivery: 'not_sent', … }
 * classifyError(400, 'TEMPLATE NOT APPROVED', 'template').code; // 'PROVIDER_REJECTED'
 */
export function classifyError(code: number, msg: string, api: WolkvoxApi = 'text'): ErrorOutcome {
  // A rule without a code (the session window) reads only a 4xx: a 5xx may have been accepted.
  const rule = WOLKVOX_ERRORS.find(
    (r) =>
      (r.api === undefined || r.api === api) &&
      (r.code === undefined ? code >= 400 && code < 500 : r.code === code) &&
      (r.msg?.test(msg) ?? true),
  );
  if (rule) return rule.outcome;
  const meaning = httpMeaning(code);
  if (meaning?.code === 'PROVIDER_REJECTED' && api === 'template') {
    return { ...meaning, what: 'the template was rejected' };
  }
  return meaning ?? UNKNOWN_ANSWER;
}
