import { createHmac, timingSafeEqual } from 'node:crypto';
import { configError } from '../errors/factories.js';

/** Query parameter of a callback URL that carries Parley's message id. */
export const ID_PARAM = 'parley_id';
/** Query parameter of a callback URL that carries the message's credential. */
export const SIG_PARAM = 'parley_sig';

function signId(id: string, secret: string): string {
  return createHmac('sha256', secret).update(id, 'utf8').digest('base64url');
}

/**
 * The callback URL of one message: `callbackUrl` with `parley_id=<id>` and
 * `parley_sig=<base64url HMAC-SHA256 of id keyed by secret>` added to its query. The secret
 * itself never appears in the URL; the rest of the URL's query is kept.
 *
 * @example
 * signCallbackUrl('https://example.com/hooks/parley?tenant=7', 'msg_1', webhookSecret);
 * // 'https://example.com/hooks/parley?tenant=7&parley_id=msg_1&parley_sig=…'
 */
export function signCallbackUrl(callbackUrl: string, id: string, secret: string): string {
  if (secret === '') throw configError([{ path: 'webhookSecret', message: 'must not be empty' }]);
  if (!URL.canParse(callbackUrl)) throw configError([{ path: 'callbackUrl', message: 'must be an absolute URL' }]);
  const url = new URL(callbackUrl);
  url.searchParams.set(ID_PARAM, id);
  url.searchParams.set(SIG_PARAM, signId(id, secret));
  return url.toString();
}

/**
 * The message id of a callback whose query carries a valid `parley_id`/`parley_sig` pair, or
 * `undefined` where either is missing, repeated, or the signature does not match. Compares in
 * constant time.
 *
 * @example
 * const id = verifyCallback(new URL(request.url).searchParams, webhookSecret);
 * if (id === undefined) return new Response(null, { status: 401 });
 */
export function verifyCallback(params: URLSearchParams, secret: string): string | undefined {
  const ids = params.getAll(ID_PARAM);
  const sigs = params.getAll(SIG_PARAM);
  const id = ids[0];
  const sig = sigs[0];
  if (ids.length !== 1 || sigs.length !== 1 || !id || !sig) return undefined;
  const expected = Buffer.from(signId(id, secret), 'utf8');
  const given = Buffer.from(sig, 'utf8');
  if (expected.length !== given.length) return undefined;
  return timingSafeEqual(expected, given) ? id : undefined;
}
