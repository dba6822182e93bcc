import { fingerprint } from '../fingerprint.js';

/** The result of checking `Authorization`; `credential` is a fingerprint of the key presented. */
export interface DtAuth {
  readonly ok: boolean;
  readonly credential: string | undefined;
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** The key behind a Basic credential when no key is configured: decoded when it is canonical printable base64. */
function keyOf(credential: string): string {
  const decoded = Buffer.from(credential, 'base64');
  if (decoded.toString('base64') !== credential) return credential;
  const text = decoded.toString('utf8');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (text === '' || /[\u0000-\u001f\u007f\ufffd]/.test(text)) return credential;
  return text.endsWith(':') ? text.slice(0, -1) : text;
}

/** How a configured key goes into `Authorization: Basic …`. */
export type ApiKeyEncoding = 'encode' | 'encode-with-colon' | 'already-encoded';

const ENCODERS: Readonly<Record<ApiKeyEncoding, (key: string) => string>> = {
  encode: (key) => b64(key),
  'encode-with-colon': (key) => b64(`${key}:`),
  'already-encoded': (key) => key,
};

/**
 * Checks `Authorization: Basic …` as providers.md describes. A configured key is accepted only in
 * the one `encoding` the account uses (default `encode`: `base64(key)`, the official SDKs; or
 * `base64(key + ':')`, curl's USERPWD; or the key itself, already base64). Without configured keys
 * any non-empty credential passes.
 *
 * @example
 * checkBasicAuth(`Basic ${btoa('k')}`, ['k']).ok; // true
 * checkBasicAuth(`Basic ${btoa('k:')}`, ['k']).ok; // false: the account uses `encode`
 */
export function checkBasicAuth(
  header: string | undefined,
  apiKeys: readonly string[] | undefined,
  encoding: ApiKeyEncoding = 'encode',
): DtAuth {
  const match = /^Basic\s+(\S+)\s*$/i.exec(header ?? '');
  const presented = match?.[1];
  if (presented === undefined) return { ok: false, credential: undefined };
  if (apiKeys === undefined) return { ok: true, credential: fingerprint(keyOf(presented)) };
  const encode = ENCODERS[encoding];
  for (const key of apiKeys) {
    if (presented === encode(key)) return { ok: true, credential: fingerprint(key) };
  }
  return { ok: false, credential: fingerprint(keyOf(presented)) };
}
