// Property tests of the config parsers of untrusted text: DSN strings (parseDsn, resolveConfig,
// createMessenger) and environment records (configFromEnv). Any input gives a value or a CONFIG
// ParleyError, never another exception, and never echoes a credential.
import { inspect } from 'node:util';
import { decisionTelecom } from '@parley/adapter-decisiontelecom';
import { wolkvox } from '@parley/adapter-wolkvox';
import { configFromEnv, createMessenger, memoryStore, parseDsn, resolveConfig, Secret } from '@parley/core';
import { createFakeTransport } from '@parley/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mutated, outcome, outcomeAsync, params } from './arbitraries.js';

const providers = [decisionTelecom, wolkvox];
const transport = createFakeTransport(() => ({ status: 500, headers: {}, body: '' }));

const VALID_DSNS = [
  'decisiontelecom://KEY-0001@default?sender=Acme',
  'decisiontelecom://K%40Y-0001:pa@127.0.0.1:4010/v1/api?sender=Acme&tracking=false',
  'decisiontelecom+https://KEY-0001@api.example.com/v1?sender=A&callbackUrl=https%3A%2F%2Fex.com%2Fh&webhookSecret=0123456789abcdef0123',
  'decisiontelecom://KEY-0001@default?sender=Acme&tracking.firstPollMs=500&retry.maxAttempts=2&timeoutMs=1000&apiKeyEncoding=encode-with-colon&destinationFormat=string&templateLanguage=es',
  'wolkvox://TOKEN-0001@default?server=0042&connector=1',
  'wolkvox://TOKEN-0001@localhost:9/api/v2?server=1&connectorId=7&maxConcurrent=1&dailyLimit=100',
  'wolkvox://TOKEN-0001@[::1]:9?server=0042&connector=1',
];

const DSN_TOKENS = [
  '://',
  '@',
  ':',
  '?',
  '&',
  '=',
  '.',
  '/',
  '#',
  '%',
  '%zz',
  '%40',
  '%00',
  '+http',
  '+https',
  '+ftp',
  'default',
  'provider',
  'provider=wolkvox',
  'provider.x=1',
  'credential',
  'credential=x',
  'credential.a=1',
  '__proto__',
  '__proto__.x=1',
  'constructor',
  'prototype',
  'toString',
  'tracking.',
  'tracking=1',
  'tracking.firstPollMs=0',
  'retry.maxAttempts=99',
  'retry=1',
  'sender',
  'token',
  'apiKey',
  'webhookSecret=short',
  'callbackUrl=javascript:1',
  'baseUrl=http://example.com',
  'server=12345678',
  'connector=',
  '127.0.0.1',
  'localhost',
  '[::1]',
  '[',
  ']',
  ' ',
  'é',
  '😀',
  '\u0000',
  '\n',
];

/** The DSN's credential, where it still holds the sample key (a mutation can leave any text there). */
function credentialOf(text: string): string | undefined {
  const parsed = outcome(() => parseDsn(text));
  const credential = parsed.ok ? parsed.value.credential?.reveal() : undefined;
  return credential !== undefined && /KEY-0001|TOKEN-0001/.test(credential) ? credential : undefined;
}

/** The credential of a DSN read as parseDsn reads it, even where parseDsn then refuses the DSN. */
function userPartOf(text: string): string | undefined {
  const at = text.indexOf('://');
  if (at < 0 || !URL.canParse(`http://${text.slice(at + 3)}`)) return undefined;
  const url = new URL(`http://${text.slice(at + 3)}`);
  try {
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    const credential = password ? `${user}:${password}` : user;
    return /KEY-0001|TOKEN-0001/.test(credential) ? credential : undefined;
  } catch {
    return undefined;
  }
}

/** The credential never leaks from a CONFIG error, whatever the DSN. */
function checkClean(error: unknown, secret: string | undefined): void {
  if (secret === undefined) return;
  const text = `${String(error)} ${JSON.stringify(error)} ${inspect(error, { depth: 10 })}`;
  expect(text).not.toContain(secret);
}

const dsn = fc.oneof(
  { weight: 1, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.webUrl({ withQueryParameters: true }) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom('decisiontelecom', 'wolkvox', 'x'), fc.string()).map(([s, r]) => `${s}://${r}`),
  },
  { weight: 5, arbitrary: mutated(VALID_DSNS, DSN_TOKENS) },
);

describe('DSN strings (fast-check)', () => {
  it('parseDsn: any string gives a raw config (provider = the scheme) or a CONFIG ParleyError', () => {
    fc.assert(
      fc.property(dsn, (text) => {
        const result = outcome(() => parseDsn(text));
        if (result.ok) {
          const scheme = /^([a-z][a-z0-9-]*)/i.exec(text)?.[1]?.toLowerCase();
          expect(result.value.provider).toBe(scheme);
          if (result.value.credential !== undefined) expect(result.value.credential).toBeInstanceOf(Secret);
          expect(Object.getPrototypeOf(result.value)).toBe(Object.prototype);
          expect(({} as Record<string, unknown>).x).toBeUndefined();
        } else {
          expect(result.error.code).toBe('CONFIG');
          checkClean(result.error, userPartOf(text));
        }
      }),
      params(),
    );
  });

  it('resolveConfig and createMessenger: any DSN gives a config / messenger or a CONFIG ParleyError', async () => {
    let made = 0;
    await fc.assert(
      fc.asyncProperty(dsn, async (text) => {
        const resolved = outcome(() => resolveConfig(text, providers));
        const created = outcome(() => createMessenger(text, { providers, transport, store: memoryStore() }));
        expect(created.ok).toBe(resolved.ok);
        if (!resolved.ok) {
          expect(resolved.error.code).toBe('CONFIG');
          checkClean(resolved.error, credentialOf(text));
        }
        if (!created.ok) expect(created.error.code).toBe('CONFIG');
        else {
          made++;
          const secret = credentialOf(text);
          if (secret !== undefined) expect(inspect(created.value, { depth: 10 })).not.toContain(secret);
          expect((await outcomeAsync(() => created.value.close())).ok).toBe(true);
        }
      }),
      params(),
    );
    expect(made).toBeGreaterThan(100);
  });
});

const ENV_NAMES = [
  'PARLEY_DSN',
  'PARLEY_PROVIDER',
  'PARLEY_DECISIONTELECOM_API_KEY',
  'PARLEY_DECISIONTELECOM_SENDER',
  'PARLEY_DECISIONTELECOM_BASE_URL',
  'PARLEY_DECISIONTELECOM_CALLBACK_URL',
  'PARLEY_DECISIONTELECOM_WEBHOOK_SECRET',
  'PARLEY_DECISIONTELECOM_TRACKING',
  'PARLEY_DECISIONTELECOM_TRACKING__FIRST_POLL_MS',
  'PARLEY_DECISIONTELECOM_RETRY__MAX_ATTEMPTS',
  'PARLEY_DECISIONTELECOM_PROVIDER',
  'PARLEY_DECISIONTELECOM_CREDENTIAL',
  'PARLEY_DECISIONTELECOM___PROTO__',
  'PARLEY_DECISIONTELECOM_',
  'PARLEY_WOLKVOX_TOKEN',
  'PARLEY_WOLKVOX_SERVER',
  'PARLEY_WOLKVOX_CONNECTOR_ID',
  'PARLEY_WOLKVOX_MAX_CONCURRENT',
  'PARLEY_WOLKVOX_PROVIDER__X',
  'PARLEY_WOLKVOX_CONSTRUCTOR',
  'PARLEY_WOLKVOX__',
  'PARLEY_X_Y',
  'PATH',
];

const envValue = fc.oneof(
  fc.string(),
  fc.constantFrom('decisiontelecom', 'wolkvox', 'WOLKVOX', ' ', '', 'Acme', '0042', '1', 'false', 'KEY-0001'),
  fc.constantFrom(...VALID_DSNS),
  mutated(VALID_DSNS, DSN_TOKENS),
);

const env = fc.dictionary(
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...ENV_NAMES) },
    { weight: 1, arbitrary: fc.string() },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom('PARLEY_DECISIONTELECOM_', 'PARLEY_WOLKVOX_'), fc.stringMatching(/^[A-Z_]{0,20}$/))
        .map(([a, b]) => a + b),
    },
  ),
  fc.option(envValue, { nil: undefined, freq: 10 }),
  { maxKeys: 8 },
);

describe('environment config (fast-check)', () => {
  it('configFromEnv: any record gives a raw config with a string provider, or a CONFIG ParleyError', () => {
    fc.assert(
      fc.property(env, (record) => {
        const result = outcome(() => configFromEnv(record));
        if (result.ok) {
          expect(typeof result.value.provider).toBe('string');
          const resolved = outcome(() => resolveConfig(result.value, providers));
          if (!resolved.ok) expect(resolved.error.code).toBe('CONFIG');
        } else {
          expect(result.error.code).toBe('CONFIG');
          checkClean(
            result.error,
            record.PARLEY_DSN === undefined ? undefined : credentialOf(record.PARLEY_DSN.trim()),
          );
        }
      }),
      params(),
    );
  });
});

describe('regressions found by the fuzzers (fixed in packages/core/src/config)', () => {
  it('a DSN query cannot replace the provider or the credential (configFromEnv threw a TypeError)', () => {
    for (const dsn of [
      'decisiontelecom://KEY-0001@default?provider.x=1&sender=A',
      'decisiontelecom://KEY-0001@default?provider=wolkvox&server=1&connector=1',
      'wolkvox://TOKEN-0001@default?credential=other&server=1&connector=1',
    ]) {
      expect(outcome(() => parseDsn(dsn))).toMatchObject({ ok: false, error: { code: 'CONFIG' } });
      expect(outcome(() => configFromEnv({ PARLEY_DSN: dsn }))).toMatchObject({ ok: false, error: { code: 'CONFIG' } });
    }
  });

  it('PARLEY_<PROVIDER>_PROVIDER cannot replace the provider', () => {
    const env = {
      PARLEY_PROVIDER: 'wolkvox',
      PARLEY_WOLKVOX_TOKEN: 'TOKEN-0001',
      PARLEY_WOLKVOX_SERVER: '0042',
      PARLEY_WOLKVOX_CONNECTOR_ID: '1',
      PARLEY_WOLKVOX_PROVIDER: 'decisiontelecom',
      PARLEY_WOLKVOX_PROVIDER__X: '1',
    };
    expect(configFromEnv(env).provider).toBe('wolkvox');
    expect(resolveConfig(configFromEnv(env), providers).definition.name).toBe('wolkvox');
  });

  it('a CONFIG error does not echo the credential in an issue path (an unknown field named with it)', () => {
    const secret = 'KEY-0001-9f8e7d6c';
    const result = outcome(() => resolveConfig(`decisiontelecom://${secret}@default?x${secret}=1`, providers));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.issues?.map((i) => i.path)).toContain('x[redacted]');
      checkClean(result.error, secret);
    }
  });
});
