import { describe, expect, it } from 'vitest';
import * as main from '../index.js';
import * as provider from '../provider-api.js';
import { httpMeaning, readJsonObject } from './classify.js';
import { describeBody, providerFailure } from './factories.js';

const res = (status: number, body = '', headers: Record<string, string> = {}) => ({ status, headers, body });

describe('httpMeaning (core default classifier)', () => {
  it('reads a 4xx as a refusal before any work and a 5xx as unknown', () => {
    expect(httpMeaning(404)).toMatchObject({ code: 'PROVIDER_REJECTED', delivery: 'not_sent', retryable: false });
    expect(httpMeaning(401)).toMatchObject({ code: 'AUTH', delivery: 'not_sent' });
    expect(httpMeaning(429)).toMatchObject({ code: 'RATE_LIMITED', delivery: 'not_sent', retryable: true });
    expect(httpMeaning(503)).toMatchObject({ code: 'PROVIDER_ERROR', delivery: 'unknown' });
    expect(httpMeaning(302)).toBeUndefined();
  });
});

describe('providerFailure (the one builder)', () => {
  it('reads Retry-After once, only for a retryable refusal', () => {
    const limited = providerFailure(httpMeaning(429)!, res(429, '', { 'retry-after': '3' }), { provider: 'p' });
    expect(limited.retryAfterMs).toBe(3000);
    const server = providerFailure(httpMeaning(503)!, res(503, '', { 'retry-after': '3' }), { provider: 'p' });
    expect(server.retryAfterMs).toBeUndefined();
  });

  it('describes HTML and empty bodies without quoting them, and keeps the raw body', () => {
    const html = '<html><body><h1>403 Forbidden</h1></body></html>';
    const error = providerFailure(httpMeaning(403)!, res(403, html), { provider: 'p', label: 'P' });
    expect(error.message).toBe('P answered HTTP 403 (an HTML page): authentication failed');
    expect(error.body).toBe(html);
    expect(describeBody('  ')).toBe('an empty body');
  });

  it('says an unknown send may have been accepted', () => {
    const error = providerFailure(httpMeaning(500)!, res(500), { provider: 'p', isSend: true });
    expect(error.message).toMatch(/may have been accepted/);
  });
});

describe('readJsonObject', () => {
  it('reads past a PHP notice before an intact object, only when asked', () => {
    const body = '<br />\n<b>Notice</b>:  Undefined index: x in <b>/a.php</b> on line <b>3</b><br />\n{"code":201}';
    expect(readJsonObject(body, { skipPhpDiagnostics: true })).toEqual({ code: 201 });
    expect(readJsonObject(body)).toBeUndefined();
    expect(readJsonObject('garbage {"code":201}', { skipPhpDiagnostics: true })).toBeUndefined();
    expect(readJsonObject('Warning: x\n{"code":201', { skipPhpDiagnostics: true })).toBeUndefined();
  });
});

describe('entry points', () => {
  it('keeps internals off the main entry and gives them to adapter authors', () => {
    for (const name of ['setPath', 'isSafeKey', 'sleep', 'runWithRetry', 'readNodeBody', 'callbackFields']) {
      expect(main).not.toHaveProperty(name);
      expect(provider).toHaveProperty(name);
    }
    for (const name of ['providerFailure', 'httpMeaning', 'stringField', 'validationError']) {
      expect(provider).toHaveProperty(name);
    }
    for (const name of ['createMessenger', 'configFromEnv', 'ParleyError', 'isParleyError', 'undiciTransport']) {
      expect(main).toHaveProperty(name);
    }
  });
});
