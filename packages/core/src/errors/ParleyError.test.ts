import * as vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from './codes.js';
import { configError, networkError, protocolError, unexpectedError, validationError } from './factories.js';
import { isParleyError, ParleyError } from './ParleyError.js';

describe('ParleyError', () => {
  it('carries every field it is given', () => {
    const cause = new Error('socket hang up');
    const e = new ParleyError({
      code: 'RATE_LIMITED',
      message: 'slow down',
      retryable: true,
      delivery: 'not_sent',
      provider: 'decisiontelecom',
      httpStatus: 429,
      providerCode: 0,
      retryAfterMs: 2000,
      cause,
    });
    expect(e).toBeInstanceOf(Error);
    expect(e).toMatchObject({
      name: 'ParleyError',
      code: 'RATE_LIMITED',
      retryable: true,
      delivery: 'not_sent',
      provider: 'decisiontelecom',
      httpStatus: 429,
      providerCode: 0,
      retryAfterMs: 2000,
    });
    expect(e.cause).toBe(cause);
  });

  it('knows every code of the public API', () => {
    // The 16 of the public API, plus INTERNAL for failures that are Parley's own.
    expect(ERROR_CODES).toHaveLength(17);
    expect(ERROR_CODES).toContain('INTERNAL');
    for (const code of ERROR_CODES) expect(new ParleyError({ code, message: code }).code).toBe(code);
  });

  it('is recognised across duplicate copies of the package', async () => {
    // A second evaluation of the module, as a duplicated dependency would load it.
    const copy = (await import(/* @vite-ignore */ `./ParleyError.js?copy=${Date.now()}`)) as {
      ParleyError: typeof ParleyError;
    };
    expect(copy.ParleyError).not.toBe(ParleyError);
    expect(new copy.ParleyError({ code: 'AUTH', message: 'x' })).toBeInstanceOf(ParleyError);
    expect(new ParleyError({ code: 'AUTH', message: 'x' })).toBeInstanceOf(copy.ParleyError);
    const foreign = vm.runInNewContext(`new Error('plain')`);
    expect(foreign instanceof ParleyError).toBe(false);
    expect(isParleyError(new Error('x'))).toBe(false);
    expect(isParleyError(null)).toBe(false);
  });

  it('names an internal failure INTERNAL, never PROTOCOL (which blames the provider)', () => {
    const e = unexpectedError('Saving the record failed', new TypeError('boom'));
    expect(e).toMatchObject({ code: 'INTERNAL', delivery: 'unknown' });
    expect(e.message).toBe('Saving the record failed: boom');
    expect(e.cause).toBeInstanceOf(TypeError);
  });

  it('truncates a raw body to 2 KiB', () => {
    const e = protocolError('not JSON', { status: 200, body: 'x'.repeat(10_000) });
    expect(e.body?.length).toBeLessThan(2100);
    expect(e.body).toContain('[truncated]');
    expect(e.httpStatus).toBe(200);
  });

  it('lists the issues in the message of CONFIG and VALIDATION errors', () => {
    const e = configError([
      { path: 'apiKey', message: 'apiKey is required' },
      { path: 'sender', message: 'too long' },
    ]);
    expect(e.message).toBe('Invalid configuration: apiKey is required; sender: too long');
    expect(validationError([{ path: 'to', message: 'bad' }]).delivery).toBe('not_sent');
  });

  it('serialises to JSON without its cause', () => {
    const json = JSON.parse(JSON.stringify(networkError('refused', 'not_sent', new Error('inner'))));
    expect(json).toMatchObject({ name: 'ParleyError', code: 'NETWORK', delivery: 'not_sent', retryable: true });
    expect(json.cause).toBeUndefined();
  });

  it('copies with changes, keeping the rest', () => {
    const e = networkError('refused', 'not_sent').with({ provider: 'wolkvox' });
    expect(e).toMatchObject({ code: 'NETWORK', provider: 'wolkvox', delivery: 'not_sent', retryable: true });
  });
});
