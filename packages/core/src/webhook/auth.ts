import { createHmac, timingSafeEqual } from 'node:crypto';
import { configError } from '../errors/factories.js';
import { verifyCallback } from './sign.js';

/** A webhook call as its authenticator sees it: method, URL and headers (the body comes separately). */
export interface WebhookCall {
  readonly method: string;
  readonly url: URL;
  readonly headers: Headers;
}

/** An answer a driver gives by itself, before any authentication (Meta's GET verification handshake). */
export interface WebhookReply {
  readonly status: number;
  readonly body: string;
  readonly contentType?: string;
}

/** What an authenticated call vouches for: the Parley message id, where the credential carries one. */
export interface WebhookAuth {
  readonly id?: string;
}

/**
 * How a provider's webhook calls prove they are genuine: the one seam through which a driver
 * makes webhook authentication its own concern. DecisionTelecom's credential is in each
 * message's signed callback URL (checked before the body is read); Meta's is an HMAC of the raw
 * body in a header (checked after the body is read, before it is parsed).
 */
export interface WebhookAuthenticator {
  /** Whether the credential covers the body: then `check` gets the body's exact bytes. */
  readonly needsBody: boolean;
  /** Answers a call that is a handshake rather than a delivery, or `undefined` for every other call. */
  handshake?(call: WebhookCall): WebhookReply | undefined;
  /** What a genuine call vouches for, or `undefined` to answer 401. Compares in constant time. */
  check(call: WebhookCall, body: Uint8Array | undefined): WebhookAuth | undefined;
}

/**
 * The authenticator of callback URLs made by `signCallbackUrl`: a valid `parley_id`/`parley_sig`
 * pair in the query, vouching for that message id.
 *
 * @example
 * createWebhookHandler({ authenticator: signedUrlAuthenticator(secret), parse, onStatus });
 */
export function signedUrlAuthenticator(secret: string): WebhookAuthenticator {
  return {
    needsBody: false,
    check: (call) => {
      const id = verifyCallback(call.url.searchParams, secret);
      return id === undefined ? undefined : { id };
    },
  };
}

/** What {@link hmacBodyAuthenticator} needs. */
export interface HmacBodyOptions {
  /** The header carrying the signature, e.g. `x-hub-signature-256`. */
  readonly header: string;
  /** What precedes the hex digest in that header, e.g. `sha256=`. */
  readonly prefix: string;
  /** The key of the HMAC-SHA256 (Meta's app secret). */
  readonly secret: string;
  /** Config field named by a `CONFIG` error when the secret is empty. */
  readonly field?: string;
  /** Answers handshakes (see {@link WebhookAuthenticator.handshake}). */
  readonly handshake?: (call: WebhookCall) => WebhookReply | undefined;
}

/**
 * The authenticator of bodies signed with HMAC-SHA256 of their raw bytes, sent as
 * `<prefix><hex digest>` in a header (Meta's `X-Hub-Signature-256: sha256=…`). Compares in
 * constant time; a missing, repeated-looking or malformed header is refused.
 *
 * @example
 * hmacBodyAuthenticator({ header: 'x-hub-signature-256', prefix: 'sha256=', secret: appSecret });
 */
export function hmacBodyAuthenticator(options: HmacBodyOptions): WebhookAuthenticator {
  if (typeof options.secret !== 'string' || options.secret === '') {
    throw configError([{ path: options.field ?? 'secret', message: 'must be a non-empty string' }]);
  }
  const { header, prefix, secret } = options;
  return {
    needsBody: true,
    ...(options.handshake ? { handshake: options.handshake } : {}),
    check: (call, body) => {
      const given = call.headers.get(header);
      if (given === null || !given.startsWith(prefix)) return undefined;
      const hex = given.slice(prefix.length).trim().toLowerCase();
      if (!/^[0-9a-f]{64}$/.test(hex)) return undefined;
      const expected = createHmac('sha256', secret)
        .update(body ?? new Uint8Array(0))
        .digest();
      return timingSafeEqual(expected, Buffer.from(hex, 'hex')) ? {} : undefined;
    },
  };
}
