import { unexpectedError } from '../errors/factories.js';
import { ParleyError, TRUNCATED } from '../errors/ParleyError.js';
import { redactText, redactTruncated } from '../secret.js';

/**
 * Makes any failure leaving the messenger a `ParleyError` with the provider's name on it and
 * no secret in its message or body (a provider might echo a credential back).
 */
export function finalizeError(error: unknown, provider: string, secrets: readonly string[]): ParleyError {
  const base = error instanceof ParleyError ? error : unexpectedError('Unexpected failure', error);
  const message = redactText(base.message, secrets);
  const body = base.body === undefined ? undefined : redactTruncated(base.body, secrets, TRUNCATED);
  if (base.provider === provider && message === base.message && body === base.body) return base;
  return base.with({ provider, message, ...(body === undefined ? {} : { body }) });
}
