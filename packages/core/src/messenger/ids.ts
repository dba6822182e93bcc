import { randomBytes } from 'node:crypto';

/** A new message id: `pm_` and 22 url-safe random characters (128 bits). Never all digits. */
export function newMessageId(): string {
  return `pm_${randomBytes(16).toString('base64url')}`;
}
