import type { ErrorMeaning } from './factories.js';

/**
 * Core's default reading of an HTTP status, for answers an adapter's table does not know. A 4xx
 * is a refusal before any work (`not_sent`): 401/403 `AUTH`, 408 and 429 retryable, any other
 * `PROVIDER_REJECTED`. A 5xx came after the request was written, so the provider may have taken
 * it (`unknown`; retryable, which core applies only to calls that are safe to repeat). Anything
 * else (1xx, 3xx, a 2xx that is not a success) gives `undefined`: the adapter reports `PROTOCOL`.
 *
 * @example
 * httpMeaning(404); // { code: 'PROVIDER_REJECTED', retryable: false, delivery: 'not_sent', what: 'request rejected' }
 * httpMeaning(502); // { code: 'PROVIDER_ERROR', retryable: true, delivery: 'unknown', what: 'server error' }
 */
export function httpMeaning(status: number): ErrorMeaning | undefined {
  if (status === 401 || status === 403) return AUTH_REFUSED;
  if (status === 429) return RATE_LIMITED;
  if (status === 408) return REQUEST_TIMEOUT;
  if (status >= 400 && status <= 499) return REJECTED;
  if (status >= 500 && status <= 599) return SERVER_ERROR;
  return undefined;
}

/** Refused as too many requests: not taken, retry after a delay (`Retry-After` honoured). */
export const RATE_LIMITED: ErrorMeaning = {
  code: 'RATE_LIMITED',
  retryable: true,
  delivery: 'not_sent',
  what: 'rate limit exceeded',
};
const AUTH_REFUSED: ErrorMeaning = {
  code: 'AUTH',
  retryable: false,
  delivery: 'not_sent',
  what: 'authentication failed',
};
const REQUEST_TIMEOUT: ErrorMeaning = {
  code: 'PROVIDER_ERROR',
  retryable: true,
  delivery: 'not_sent',
  what: 'the server gave up waiting for the request',
};
const REJECTED: ErrorMeaning = {
  code: 'PROVIDER_REJECTED',
  retryable: false,
  delivery: 'not_sent',
  what: 'request rejected',
};
const SERVER_ERROR: ErrorMeaning = {
  code: 'PROVIDER_ERROR',
  retryable: true,
  delivery: 'unknown',
  what: 'server error',
};

/** An answer of no documented meaning after the request was written: the provider may have taken it. */
export const UNKNOWN_ANSWER: ErrorMeaning = {
  code: 'PROVIDER_ERROR',
  retryable: false,
  delivery: 'unknown',
  what: 'an undocumented answer',
};

/** Diagnostics that PHP prints before a script's output (`Notice: …`, `<br /><b>Warning</b>: …`). */
const PHP_DIAGNOSTIC = /^\s*(?:<br\s*\/?>\s*)?(?:<b>)?(?:PHP\s+)?(?:Notice|Warning|Deprecated|Strict Standards)\b/i;

/**
 * A body as a JSON object, or `undefined` when it is none. With `skipPhpDiagnostics`, a PHP notice
 * or warning printed before an intact JSON object (one that runs to the end of the body) is read
 * past; anything else before it is not.
 *
 * @example
 * readJsonObject('Notice: Undefined index: x in /a.php on line 3\n{"code":201}', { skipPhpDiagnostics: true }); // { code: 201 }
 */
export function readJsonObject(
  body: string,
  options: { readonly skipPhpDiagnostics?: boolean } = {},
): Record<string, unknown> | undefined {
  const whole = parseObject(body);
  if (whole !== undefined || !options.skipPhpDiagnostics || !PHP_DIAGNOSTIC.test(body)) return whole;
  // Try each `{` that starts a line (or follows a closing tag), first to last, at most a few.
  const starts = [...body.matchAll(/(?:^|\n|>)\s*(\{)/g)].slice(0, 16);
  for (const match of starts) {
    const at = (match.index ?? 0) + match[0].length - 1;
    const tail = parseObject(body.slice(at));
    if (tail !== undefined) return tail;
  }
  return undefined;
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
