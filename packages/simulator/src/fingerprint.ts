import { createHash } from 'node:crypto';

/**
 * A short, stable stand-in for a secret (API key or token) so the inspection API can key its
 * per-token figures without holding the secret itself.
 *
 * @example
 * sim.wolkvox.maxConcurrentPerToken.get(fingerprint('my-token')); // 2
 */
export function fingerprint(secret: string): string {
  return 'sha256:' + createHash('sha256').update(secret).digest('hex').slice(0, 16);
}
