import { describe, expect, it } from 'vitest';
import { ParleyError } from '../errors/index.js';
import { signCallbackUrl, verifyCallback } from './sign.js';

const SECRET = 'whsec_3f9a-very-secret-value';
const BASE = 'https://hooks.example.com/parley/callback';

function paramsOf(url: string): URLSearchParams {
  return new URL(url).searchParams;
}

describe('signCallbackUrl / verifyCallback', () => {
  it('round-trips: a signed URL verifies to its id', () => {
    const url = signCallbackUrl(BASE, 'msg_01HZX', SECRET);
    expect(paramsOf(url).get('parley_id')).toBe('msg_01HZX');
    expect(paramsOf(url).get('parley_sig')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(verifyCallback(paramsOf(url), SECRET)).toBe('msg_01HZX');
  });

  it('round-trips ids that need URL encoding', () => {
    const id = 'a b&c=d/é';
    expect(verifyCallback(paramsOf(signCallbackUrl(BASE, id, SECRET)), SECRET)).toBe(id);
  });

  it('rejects a tampered id', () => {
    const params = paramsOf(signCallbackUrl(BASE, 'msg_1', SECRET));
    params.set('parley_id', 'msg_2');
    expect(verifyCallback(params, SECRET)).toBeUndefined();
  });

  it('rejects a tampered signature, of the same or another length', () => {
    const params = paramsOf(signCallbackUrl(BASE, 'msg_1', SECRET));
    const sig = params.get('parley_sig')!;
    const flipped = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    for (const bad of [flipped, sig.slice(1), `${sig}x`, `${sig}=`, '']) {
      params.set('parley_sig', bad);
      expect(verifyCallback(params, SECRET), bad).toBeUndefined();
    }
  });

  it('rejects missing or repeated parameters', () => {
    const signed = paramsOf(signCallbackUrl(BASE, 'msg_1', SECRET));
    const noId = new URLSearchParams(signed);
    noId.delete('parley_id');
    const noSig = new URLSearchParams(signed);
    noSig.delete('parley_sig');
    const twice = new URLSearchParams(signed);
    twice.append('parley_id', 'msg_1');
    expect(verifyCallback(noId, SECRET)).toBeUndefined();
    expect(verifyCallback(noSig, SECRET)).toBeUndefined();
    expect(verifyCallback(new URLSearchParams(), SECRET)).toBeUndefined();
    expect(verifyCallback(twice, SECRET)).toBeUndefined();
  });

  it('rejects a URL signed with another secret', () => {
    const params = paramsOf(signCallbackUrl(BASE, 'msg_1', 'another-secret'));
    expect(verifyCallback(params, SECRET)).toBeUndefined();
  });

  it('does not let the signature of one id verify another', () => {
    const one = paramsOf(signCallbackUrl(BASE, 'msg_1', SECRET));
    const two = paramsOf(signCallbackUrl(BASE, 'msg_2', SECRET));
    expect(one.get('parley_sig')).not.toBe(two.get('parley_sig'));
    two.set('parley_sig', one.get('parley_sig')!);
    expect(verifyCallback(two, SECRET)).toBeUndefined();
  });

  it('never puts the secret in the URL, raw or encoded', () => {
    const url = signCallbackUrl(BASE, 'msg_1', SECRET);
    expect(url).not.toContain(SECRET);
    expect(url).not.toContain(encodeURIComponent(SECRET));
    expect(url).not.toContain(Buffer.from(SECRET).toString('base64url'));
  });

  it('keeps the existing query, path and host', () => {
    const url = new URL(signCallbackUrl(`${BASE}?tenant=7&tag=a%20b`, 'msg_1', SECRET));
    expect(url.origin + url.pathname).toBe(BASE);
    expect(url.searchParams.get('tenant')).toBe('7');
    expect(url.searchParams.get('tag')).toBe('a b');
    expect(verifyCallback(url.searchParams, SECRET)).toBe('msg_1');
  });

  it('refuses an empty secret and a relative callback URL with a CONFIG error', () => {
    expect(() => signCallbackUrl(BASE, 'msg_1', '')).toThrow(ParleyError);
    expect(() => signCallbackUrl('/parley/callback', 'msg_1', SECRET)).toThrow(
      expect.objectContaining({ code: 'CONFIG' }),
    );
  });
});
