import type { ApiKeyEncoding } from './config.js';

/**
 * The token after `Basic ` in the `Authorization` header. Every official DecisionTelecom SDK
 * sends base64 of the key alone (`encode`, the default); the docs' PHP sample (curl `USERPWD`)
 * would send base64 of `key:` (`encode-with-colon`); a key issued already in base64 is sent
 * as-is (`already-encoded`). The adapter never guesses between them.
 *
 * @example
 * basicToken('k3y', 'encode');            // 'azN5'
 * basicToken('k3y', 'encode-with-colon'); // 'azN5Og=='
 * basicToken('azN5', 'already-encoded');  // 'azN5'
 */
export function basicToken(apiKey: string, encoding: ApiKeyEncoding = 'encode'): string {
  switch (encoding) {
    case 'encode':
      return Buffer.from(apiKey, 'utf8').toString('base64');
    case 'encode-with-colon':
      return Buffer.from(`${apiKey}:`, 'utf8').toString('base64');
    case 'already-encoded':
      return apiKey;
  }
}
