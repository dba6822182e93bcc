import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { configFromEnv } from './config/env.js';
import { redactText, reveal, Secret } from './secret.js';

describe('Secret', () => {
  const value = randomBytes(12).toString('hex');

  it('never shows itself in String, JSON, templates or util.inspect', () => {
    const s = new Secret(value);
    const views = [String(s), `${s}`, JSON.stringify({ s }), inspect(s), inspect({ nested: { s } }, { depth: 5 })];
    for (const view of views) expect(view).not.toContain(value);
    expect(s.reveal()).toBe(value);
    expect(reveal(s)).toBe(value);
    expect(reveal('plain')).toBe('plain');
  });

  it('keeps a config read from the environment free of its secret when printed', () => {
    const cfg = configFromEnv({
      PARLEY_PROVIDER: 'wolkvox',
      PARLEY_WOLKVOX_TOKEN: value,
      PARLEY_WOLKVOX_SERVER: '0042',
    });
    for (const view of [String(cfg), JSON.stringify(cfg), inspect(cfg, { depth: 10 })]) {
      expect(view).not.toContain(value);
    }
  });

  it('is recognised across copies and unwrapped by Secret.from', () => {
    expect(Secret.from(new Secret('x')).reveal()).toBe('x');
    expect(Secret.from('y')).toBeInstanceOf(Secret);
    expect({}).not.toBeInstanceOf(Secret);
  });

  it('redacts a secret and its base64 form from text', () => {
    const b64 = Buffer.from(value).toString('base64');
    expect(redactText(`key=${value} auth=Basic ${b64}`, [value])).toBe('key=[redacted] auth=Basic [redacted]');
  });
});
