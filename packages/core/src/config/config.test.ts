import { inspect } from 'node:util';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { ParleyError } from '../errors/ParleyError.js';
import type { ProviderDefinition } from '../provider.js';
import { Secret } from '../secret.js';
import { parseDsn } from './dsn.js';
import { configFromEnv } from './env.js';
import { baseUrlField, booleanField, commonConfigEntries, integerField, secretField, stringField } from './fields.js';
import { resolveConfig } from './resolve.js';

const demo: ProviderDefinition = {
  name: 'demo',
  secretFields: ['token'],
  dsnAliases: { connector: 'connectorId' },
  capabilities: {
    text: true,
    image: false,
    template: false,
    statusTracking: 'none',
    statusQuery: false,
    webhook: false,
    inbound: false,
  },
  configSchema: v.strictObject({
    token: secretField('token'),
    connectorId: stringField('connectorId'),
    baseUrl: v.optional(baseUrlField('baseUrl')),
    maxConcurrent: v.optional(integerField('maxConcurrent', 1, 2)),
    tracking: v.optional(
      v.union([
        booleanField('tracking'),
        v.strictObject({ firstPollMs: v.optional(integerField('tracking.firstPollMs', 1, 10_000)) }),
      ]),
    ),
    ...commonConfigEntries,
  }),
  create: () => {
    throw new Error('not used');
  },
};

function configIssues(run: () => unknown): { path: string; message: string }[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ParleyError);
    expect((error as ParleyError).code).toBe('CONFIG');
    return [...((error as ParleyError).issues ?? [])];
  }
  throw new Error('expected a CONFIG error');
}

describe('parseDsn', () => {
  it('reads the credential, the query and the default host', () => {
    const raw = parseDsn('wolkvox://T%40K:EN@default?server=0042&connector=1');
    expect(raw.provider).toBe('wolkvox');
    expect(raw.credential?.reveal()).toBe('T@K:EN');
    expect(raw).toMatchObject({ server: '0042', connector: '1' });
    expect(raw.baseUrl).toBeUndefined();
  });

  it('turns another host into the base URL: http for loopback, https elsewhere', () => {
    expect(parseDsn('demo://K@127.0.0.1:4010/api/v2/?x=1').baseUrl).toBe('http://127.0.0.1:4010/api/v2');
    expect(parseDsn('demo://K@localhost:4010').baseUrl).toBe('http://localhost:4010');
    expect(parseDsn('demo://K@api.example.com/v1').baseUrl).toBe('https://api.example.com/v1');
    expect(parseDsn('demo+https://K@127.0.0.1:9').baseUrl).toBe('https://127.0.0.1:9');
    expect(configIssues(() => parseDsn('demo+http://K@api.example.com'))[0]?.message).toContain('http only');
  });

  it('nests dotted names and refuses prototype keys', () => {
    expect(parseDsn('demo://K@default?tracking.firstPollMs=500').tracking).toEqual({ firstPollMs: '500' });
    expect(configIssues(() => parseDsn('demo://K@default?__proto__.x=1'))[0]?.path).toBe('__proto__.x');
  });

  it('never echoes the DSN in its errors', () => {
    const secret = `s3cr3t${Math.random()}`;
    for (const dsn of [`nope:${secret}`, `demo://${secret}%zz@default`]) {
      try {
        parseDsn(dsn);
        throw new Error('expected failure');
      } catch (error) {
        expect((error as ParleyError).code).toBe('CONFIG');
        expect(JSON.stringify(error) + String(error) + inspect(error)).not.toContain(secret);
      }
    }
  });
});

describe('configFromEnv', () => {
  it('reads PARLEY_PROVIDER and provider variables, wrapping secrets', () => {
    const cfg = configFromEnv({
      PARLEY_PROVIDER: 'wolkvox',
      PARLEY_WOLKVOX_TOKEN: 'tok',
      PARLEY_WOLKVOX_CONNECTOR_ID: '7',
      PARLEY_WOLKVOX_RETRY__MAX_ATTEMPTS: '2',
      PARLEY_OTHER_TOKEN: 'ignored',
    });
    expect(cfg).toMatchObject({ provider: 'wolkvox', connectorId: '7', retry: { maxAttempts: '2' } });
    expect(cfg.token).toBeInstanceOf(Secret);
    expect((cfg.token as Secret).reveal()).toBe('tok');
    expect(cfg.other).toBeUndefined();
  });

  it('reads PARLEY_DSN and lets provider variables override it', () => {
    const cfg = configFromEnv({ PARLEY_DSN: 'demo://K@default?connectorId=1', PARLEY_DEMO_CONNECTOR_ID: '2' });
    expect(cfg).toMatchObject({ provider: 'demo', connectorId: '2' });
  });

  it('fails with CONFIG when nothing names a provider, or two disagree', () => {
    expect(configIssues(() => configFromEnv({}))[0]?.path).toBe('PARLEY_DSN');
    expect(configIssues(() => configFromEnv({ PARLEY_DSN: 'a://k@default', PARLEY_PROVIDER: 'b' }))[0]?.path).toBe(
      'PARLEY_PROVIDER',
    );
  });
});

describe('resolveConfig', () => {
  it('validates an object config and coerces strings', () => {
    const { config } = resolveConfig(
      { provider: 'demo', token: 'T', connectorId: '1', maxConcurrent: '2', tracking: 'false', timeoutMs: 5000 },
      [demo],
    );
    expect(config).toMatchObject({ connectorId: '1', maxConcurrent: 2, tracking: false, timeoutMs: 5000 });
    expect((config as { token: Secret }).token.reveal()).toBe('T');
  });

  it('maps a DSN credential and aliases onto the provider fields', () => {
    const { config } = resolveConfig('demo://T@127.0.0.1:4010?connector=9', [demo]);
    expect(config).toMatchObject({ connectorId: '9', baseUrl: 'http://127.0.0.1:4010' });
    expect((config as { token: Secret }).token.reveal()).toBe('T');
  });

  it('names every bad field', () => {
    const issues = configIssues(() =>
      resolveConfig({ provider: 'demo', maxConcurrent: 3, baseUrl: 'http://api.example.com', extra: 1 }, [demo]),
    );
    expect(issues.map((i) => i.path).sort()).toEqual(['baseUrl', 'connectorId', 'extra', 'maxConcurrent', 'token']);
    expect(issues.find((i) => i.path === 'token')?.message).toBe('token is required');
    expect(issues.find((i) => i.path === 'maxConcurrent')?.message).toBe('maxConcurrent must be at most 2');
  });

  it('names an unknown or missing provider with the ones available', () => {
    expect(configIssues(() => resolveConfig({ provider: 'nope' }, [demo]))[0]).toEqual({
      path: 'provider',
      message: "unknown provider 'nope' (available: demo)",
    });
    expect(configIssues(() => resolveConfig({} as never, [demo]))[0]?.path).toBe('provider');
    expect(configIssues(() => resolveConfig(42 as never, [demo])).length).toBe(1);
  });

  it('never echoes a secret in a CONFIG error', () => {
    const secret = `tok-${Math.random().toString(36).slice(2)}`;
    try {
      resolveConfig({ provider: 'demo', token: secret, connectorId: 7, maxConcurrent: secret }, [demo]);
      throw new Error('expected failure');
    } catch (error) {
      expect((error as ParleyError).code).toBe('CONFIG');
      expect(JSON.stringify(error) + String(error) + inspect(error, { depth: 10 })).not.toContain(secret);
    }
  });
});
