import { randomFillSync } from 'node:crypto';

const ID_BYTES = 16;
/** Random bytes for 256 ids, refilled from the CSPRNG when used up: one call instead of 256. */
const pool = Buffer.allocUnsafe(ID_BYTES * 256);
let offset = pool.length;

/** A new message id: `pm_` and 22 url-safe random characters (128 bits). Never all digits. */
export function newMessageId(): string {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = `pm_${pool.toString('base64url', offset, offset + ID_BYTES)}`;
  offset += ID_BYTES;
  return id;
}
