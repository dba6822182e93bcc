import { createHash } from 'node:crypto';

/**
 * A stable, non-reversible key made of some strings (typically a provider name and a
 * credential): the SHA-256 of the parts joined with a NUL, as hex, cut to 32 characters.
 * Limiter keys and store scopes are built with it, so they never hold a credential.
 *
 * @example
 * const key = hashKey('wolkvox', config.token); // 'c0ffee…' (32 hex characters)
 */
export function hashKey(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 32);
}
