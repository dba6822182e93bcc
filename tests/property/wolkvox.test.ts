// Property tests of Wolkvox's send-response parser, driven through the driver as core drives it.
import { wolkvox } from '@parley/adapter-wolkvox';
import { hashKey, type ProviderDriver, resolveConfig, silentLogger, type TransportResponse } from '@parley/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { httpStatus, JSON_TOKENS, jsonText, mutated, outcome, params, responseHeaders, scalar } from './arbitraries.js';

const { config } = resolveConfig({ provider: 'wolkvox', token: 'prop-token-0001', server: '0042', connectorId: '1' }, [
  wolkvox,
]);
const driver: ProviderDriver = wolkvox.create(config as never, { logger: silentLogger, hashKey });
const parseSend = driver.parseSend.bind(driver);

const VALID_BODIES = [
  '{"code":201,"error":null,"msg":"Message has been sent successfully"}',
  '{"code":"200","error":null,"msg":"ok"}',
  '{"code":403,"error":"FORBIDDEN","msg":"EXCEEDS THE LIMIT OF SIMULTANEOUS REQUESTS PER TOKEN (2)"}',
  '{"code":403,"error":"FORBIDDEN","msg":"TOKEN LIMIT EXCEEDED"}',
  '{"code":403,"error":"FORBIDDEN","msg":"PLEASE VALIDATE TOKEN"}',
  '{"code":401,"error":"UNAUTHORIZED","msg":"PLEASE ENTER THE WOLKVOX-TOKEN"}',
  '{"code":400,"error":"BAD REQUEST","msg":"SOME PARAMETERS ARE REQUIRED"}',
  '{"code":400,"error":"BAD REQUEST","msg":"THE API YOU WANT TO CONSULT DOES NOT EXIST"}',
  '{"code":403,"error":"FORBIDDEN","msg":"THE 24-HOUR CONVERSATION WINDOW IS CLOSED: ONLY A TEMPLATE MAY BE SENT"}',
  '<html><head><title>502 Bad Gateway</title></head></html>',
];

const MSGS = [
  'EXCEEDS THE LIMIT OF SIMULTANEOUS REQUESTS PER TOKEN (2)',
  'TOKEN LIMIT EXCEEDED',
  'PLEASE VALIDATE TOKEN',
  'server in maintenance',
  'ventana de 24 horas',
  'does not exist',
  'parameters are required',
];

const answer = fc.record(
  {
    code: fc.oneof(fc.constantFrom(200, 201, 299, 300, 400, 401, 403, 500, '201', '403', ' 201 '), scalar),
    error: fc.oneof(fc.constantFrom(null, 'FORBIDDEN', 'BAD REQUEST'), scalar, fc.jsonValue({ maxDepth: 1 })),
    msg: fc.oneof(fc.constantFrom(...MSGS), fc.string(), scalar, fc.jsonValue({ maxDepth: 1 })),
  },
  { requiredKeys: [] },
);

const body = fc.oneof(
  { weight: 2, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.string({ unit: 'binary' }) },
  { weight: 2, arbitrary: jsonText(fc.jsonValue()) },
  { weight: 4, arbitrary: jsonText(answer) },
  { weight: 4, arbitrary: mutated(VALID_BODIES, JSON_TOKENS) },
);

const response: fc.Arbitrary<TransportResponse> = fc.record({ status: httpStatus, headers: responseHeaders, body });

describe('Wolkvox parser (fast-check)', () => {
  it('parseSend: any response gives {} on success, or a ParleyError that tells the truth about delivery', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(response, (res) => {
        const result = outcome(() => parseSend(res));
        seen.add(result.ok ? 'ok' : result.error.code);
        if (result.ok) {
          expect(res.status >= 200 && res.status <= 299).toBe(true);
          expect(result.value).toEqual({});
          return;
        }
        const error = result.error;
        expect(error.provider).toBe('wolkvox');
        expect(['not_sent', 'unknown']).toContain(error.delivery);
        expect(JSON.parse(JSON.stringify(error))).toMatchObject({ name: 'ParleyError', code: error.code });
        // A body that is not a JSON object proves nothing about a 2xx or 5xx: never not_sent.
        if (!isObjectJson(res.body) && (res.status >= 500 || (res.status >= 200 && res.status <= 299))) {
          expect(error.delivery).toBe('unknown');
        }
      }),
      params(),
    );
    expect([...seen]).toEqual(
      expect.arrayContaining([
        'ok',
        'AUTH',
        'CONCURRENCY_LIMIT',
        'QUOTA_EXCEEDED',
        'PROVIDER_REJECTED',
        'PROVIDER_ERROR',
        'SESSION_WINDOW_CLOSED',
        'PROTOCOL',
      ]),
    );
  });
});

describe('Wolkvox: what a server error proves', () => {
  // KNOWN ISSUE (reported; a design choice of providers.md, so not changed here): the rule that
  // reads a `msg` speaking of the 24-hour window or of templates as SESSION_WINDOW_CLOSED
  // (`not_sent`, not retryable) has no `code` (packages/adapter-wolkvox/src/errors.ts, the last row
  // of WOLKVOX_ERRORS), so it also catches server errors: HTTP 500 `{"code":500,"msg":"Error
  // processing template request"}` or a 502 "upstream timeout after 24 s" are reported as surely
  // not sent, and a caller may resend a message that was accepted. Fix: give the rule
  // `code` < 500 (e.g. test `code >= 400 && code < 500` in classifyError), so a 5xx stays
  // PROVIDER_ERROR / unknown. Flip `it.fails` to `it` then.
  it('a 5xx answer (HTTP status and body code) is never reported as not_sent', () => {
    const serverError = fc.record({
      status: fc.integer({ min: 500, max: 599 }),
      code: fc.integer({ min: 500, max: 599 }),
      msg: fc.oneof(fc.string(), fc.constantFrom(...MSGS), fc.constantFrom('Error processing template request')),
    });
    fc.assert(
      fc.property(serverError, ({ status, code, msg }) => {
        const result = outcome(() =>
          parseSend({ status, headers: {}, body: JSON.stringify({ code, error: 'INTERNAL', msg }) }),
        );
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.error.delivery).toBe('unknown');
      }),
      {
        ...params(),
        examples: [[{ status: 500, code: 500, msg: 'Error processing template request' }]],
      },
    );
  });
});

function isObjectJson(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}
