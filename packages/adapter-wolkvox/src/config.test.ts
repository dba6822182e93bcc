import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import {
  configFromEnv,
  createMessenger,
  hashKey,
  memoryStore,
  ParleyError,
  resolveConfig,
  silentLogger,
} from '@parley/core';
import { createFakeTransport, jsonResponse } from '@parley/core/testing';
import { describe, expect, it } from 'vitest';
import type { WolkvoxConfig } from './config.js';
import { wolkvox } from './provider.js';
import { startFakeWolkvox } from './test-support/fake-wolkvox.js';

const SENT = { code: 201, error: null, msg: 'Message has been sent successfully' };
const TEXT = { type: 'text', to: '+57 300 123 4567', text: 'hola' } as const;

function configIssues(config: unknown): { path: string; message: string }[] {
  try {
    resolveConfig(config as never, [wolkvox]);
  } catch (error) {
    expect(error).toBeInstanceOf(ParleyError);
    expect((error as ParleyError).code).toBe('CONFIG');
    return [...((error as ParleyError).issues ?? [])];
  }
  throw new Error('expected a CONFIG error');
}

const valid = { provider: 'wolkvox', token: 'T0KEN', server: '0042', connectorId: '1' };

function driverOf(config: unknown) {
  const { config: validated } = resolveConfig(config as never, [wolkvox]);
  return wolkvox.create(validated as WolkvoxConfig, { logger: silentLogger, hashKey });
}

describe('config', () => {
  it.each([
    ['a missing server', { server: undefined }, 'server', 'server is required'],
    ['a numeric server (its leading zeros would be lost)', { server: 42 }, 'server', 'must be a string of digits'],
    ['a server that is not digits', { server: 'wv0042' }, 'server', '1 to 6 digits'],
    ['maxConcurrent 3', { maxConcurrent: 3 }, 'maxConcurrent', 'maxConcurrent must be at most 2'],
    ['maxConcurrent 0', { maxConcurrent: '0' }, 'maxConcurrent', 'maxConcurrent must be at least 1'],
    ['dailyLimit 0', { dailyLimit: 0 }, 'dailyLimit', 'dailyLimit must be at least 1'],
    ['dailyLimit not a number', { dailyLimit: 'lots' }, 'dailyLimit', 'dailyLimit must be a whole number'],
    ['an empty connectorId', { connectorId: ' ' }, 'connectorId', 'connectorId'],
    ['a missing token', { token: undefined }, 'token', 'token is required'],
    ['an http baseUrl off loopback', { baseUrl: 'http://wv0042.wolkvox.com/api/v2' }, 'baseUrl', 'https'],
    ['timeoutMs too small', { timeoutMs: 5 }, 'timeoutMs', 'at least 100'],
    ['an unknown field', { customerId: '9' }, 'customerId', 'not a known field'],
  ])('names %s', (_name, change, path, message) => {
    const config = Object.fromEntries(Object.entries({ ...valid, ...change }).filter(([, v]) => v !== undefined));
    const issues = configIssues(config);
    expect(issues.map((i) => i.path)).toEqual([path]);
    expect(issues[0]?.message).toContain(message);
  });

  it('names every bad field at once', () => {
    const issues = configIssues({ provider: 'wolkvox', maxConcurrent: 3, dailyLimit: -1 });
    expect(issues.map((i) => i.path).sort()).toEqual(['connectorId', 'dailyLimit', 'maxConcurrent', 'server', 'token']);
  });

  it('accepts strings for numbers, a numeric connectorId, and keeps the server as text', () => {
    const { config } = resolveConfig(
      { ...valid, server: '007', connectorId: 12, maxConcurrent: '1', dailyLimit: '5000', timeoutMs: '90000' },
      [wolkvox],
    );
    expect(config).toMatchObject({
      server: '007',
      connectorId: '12',
      maxConcurrent: 1,
      dailyLimit: 5000,
      timeoutMs: 90_000,
    });
  });

  it('gives the driver its limits: a hashed token key, 2 in flight, 65 s, quota only with dailyLimit', () => {
    const token = `tok-${randomBytes(8).toString('hex')}`;
    const plain = driverOf({ ...valid, token });
    const key = hashKey('wolkvox', token);
    expect(plain).toMatchObject({ scope: key, concurrency: { key, max: 2 }, timeoutMs: 65_000 });
    expect(plain.concurrency?.key).not.toContain(token);
    expect(plain.dailyQuota).toBeUndefined();
    expect(plain.maxAttempts).toBeUndefined();
    expect(plain.tracking).toBeUndefined();
    expect(plain.callbacks).toBeUndefined();
    expect(plain.buildStatus).toBeUndefined();
    const tuned = driverOf({
      ...valid,
      token,
      maxConcurrent: 1,
      dailyLimit: 3000,
      timeoutMs: 10_000,
      retry: { maxAttempts: 5 },
    });
    expect(tuned).toMatchObject({
      concurrency: { key, max: 1 },
      dailyQuota: { key, limit: 3000 },
      timeoutMs: 10_000,
      maxAttempts: 5,
    });
    expect(driverOf({ ...valid, token: `${token}x` }).concurrency?.key).not.toBe(key);
  });
});

describe('DSN and environment', () => {
  it('wolkvox://TOKEN@default?server=0042&connector=1 talks to https://wv0042.wolkvox.com/api/v2', async () => {
    const token = randomBytes(12).toString('hex');
    const transport = createFakeTransport(() => jsonResponse(200, SENT));
    const messenger = createMessenger(`wolkvox://${token}@default?server=0042&connector=1`, {
      providers: [wolkvox],
      transport,
      store: memoryStore(),
    });
    await messenger.send(TEXT);
    await messenger.close();
    const [request] = transport.requests;
    expect(request?.url).toBe('https://wv0042.wolkvox.com/api/v2/whatsapp.php?api=send_message_official');
    expect(request?.headers['wolkvox-token']).toBe(token);
    expect(request?.timeoutMs).toBe(65_000);
    expect(JSON.parse(request?.body ?? '')).toEqual({ connector_id: '1', telephone: '573001234567', message: 'hola' });
  });

  it('wolkvox://TOKEN@127.0.0.1:PORT/api/v2 talks to that loopback server over http', async () => {
    const token = randomBytes(12).toString('hex');
    const server = await startFakeWolkvox({ token });
    const messenger = createMessenger(
      `wolkvox://${token}@127.0.0.1:${server.port}/api/v2?server=0042&connector=1&maxConcurrent=1`,
      { providers: [wolkvox], store: memoryStore() },
    );
    try {
      await expect(messenger.send(TEXT)).resolves.toMatchObject({ status: 'accepted' });
      expect(server.requests).toEqual([
        expect.objectContaining({
          api: 'send_message_official',
          token,
          body: { connector_id: '1', telephone: '573001234567', message: 'hola' },
        }),
      ]);
    } finally {
      await messenger.close();
      await server.close();
    }
  });

  it('reads PARLEY_WOLKVOX_* variables, keeping the server as text', () => {
    const { config } = resolveConfig(
      configFromEnv({
        PARLEY_PROVIDER: 'wolkvox',
        PARLEY_WOLKVOX_TOKEN: 'T0KEN',
        PARLEY_WOLKVOX_SERVER: '0042',
        PARLEY_WOLKVOX_CONNECTOR_ID: '3',
        PARLEY_WOLKVOX_DAILY_LIMIT: '2000',
      }),
      [wolkvox],
    );
    expect(config).toMatchObject({ server: '0042', connectorId: '3', dailyLimit: 2000 });
  });
});

describe('secrets', () => {
  it('never shows the token in inspect, JSON, String or error messages', async () => {
    const token = `tok-${randomBytes(16).toString('hex')}`;
    const echo = createFakeTransport(() =>
      // A provider that echoes the token back must not get it into the error either.
      jsonResponse(403, { code: 403, error: 'FORBIDDEN', msg: `PLEASE VALIDATE TOKEN ${token}` }),
    );
    const messenger = createMessenger(
      { provider: 'wolkvox', token, server: '0042', connectorId: '1' },
      { providers: [wolkvox], transport: echo, store: memoryStore() },
    );
    const { config } = resolveConfig({ provider: 'wolkvox', token, server: '0042', connectorId: '1' }, [wolkvox]);
    const sendError = await messenger.send(TEXT).catch((e: unknown) => e as ParleyError);
    expect(sendError).toMatchObject({ code: 'AUTH' });
    expect(echo.requests[0]?.headers['wolkvox-token']).toBe(token);
    const configError = (() => {
      try {
        resolveConfig(`wolkvox://${token}@default?server=x&maxConcurrent=${token}`, [wolkvox]);
      } catch (error) {
        return error as ParleyError;
      }
      throw new Error('expected a CONFIG error');
    })();
    const views = [inspect(messenger, { depth: 10 }), JSON.stringify(messenger), String(messenger)];
    views.push(inspect(config, { depth: 10 }), JSON.stringify(config), String((config as WolkvoxConfig).token));
    for (const error of [sendError as ParleyError, configError]) {
      views.push(
        error.message,
        String(error),
        JSON.stringify(error),
        inspect(error, { depth: 10 }),
        String(error.body),
      );
    }
    for (const view of views) expect(view).not.toContain(token);
    await messenger.close();
  });
});
